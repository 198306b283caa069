/**
 * The chaos campaign's checker on histories written by hand (test/chaos/model.ts, content.ts, prng.ts):
 * it must flag each kind of lost write the campaign hunts (a rename racing a put of its target, two
 * renames into one name, a link over a live object, an acknowledged write vanishing) and must not flag
 * any history that has a valid ordering, with unknown outcomes taken either way.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Model, type Value } from "../chaos/model.js";
import type { OpKind, OpRecord, Outcome } from "../chaos/history.js";
import { attribute, contentOf } from "../chaos/content.js";
import { Rng } from "../chaos/prng.js";

/** One operation of a hand-written history: client, kind, name, [invoked, responded] ms, outcome. */
function op(key: number, kind: OpKind, name: string, span: [number, number], outcome: Outcome = "ok", to?: string): OpRecord {
  return { key, client: Math.floor(key / 100_000), kind, name, to, invokedAt: span[0], respondedAt: span[1], outcome };
}

const obj = (...puts: number[]): Value => ({ kind: "obj", puts: new Set(puts) });
const absent: Value = { kind: "absent" };
const explains = (ops: OpRecord[], name: string, v: Value) => new Model({ ops }).explainsFinal(name, v).ok;

describe("chaos model: final states", () => {
  test("the last acknowledged put wins; an earlier one is a lost write", () => {
    const h = [op(1, "put", "a", [0, 10]), op(2, "put", "a", [20, 30])];
    assert.equal(explains(h, "a", obj(2)), true);
    assert.equal(explains(h, "a", obj(1)), false);
    assert.equal(explains(h, "a", absent), false);
  });

  test("concurrent puts: either may win", () => {
    const h = [op(1, "put", "a", [0, 30]), op(2, "put", "a", [10, 20])];
    assert.equal(explains(h, "a", obj(1)), true);
    assert.equal(explains(h, "a", obj(2)), true);
  });

  test("an unknown outcome may or may not have taken effect; a definite failure did not", () => {
    const h = [op(1, "put", "a", [0, 10]), op(2, "put", "a", [20, 30], "unknown"), op(3, "delete", "a", [40, 50], "fail")];
    assert.equal(explains(h, "a", obj(1)), true);
    assert.equal(explains(h, "a", obj(2)), true);
    assert.equal(explains(h, "a", absent), false, "the failed delete did not apply");
    const d = [op(1, "put", "a", [0, 10]), op(2, "delete", "a", [20, 30], "unknown")];
    assert.equal(explains(d, "a", absent), true);
    assert.equal(explains(d, "a", obj(1)), true);
  });

  test("an acknowledged delete or rename away explains absence; nothing else does", () => {
    assert.equal(explains([op(1, "put", "a", [0, 10]), op(2, "delete", "a", [20, 30])], "a", absent), true);
    assert.equal(explains([op(1, "put", "a", [0, 10]), op(2, "delete", "a", [20, 30])], "a", obj(1)), false);
    const r = [op(1, "put", "a", [0, 10]), op(2, "rename", "a", [20, 30], "ok", "b")];
    assert.equal(explains(r, "a", absent), true);
    assert.equal(explains(r, "b", obj(1)), true);
    assert.equal(explains(r, "a", obj(1)), false, "the renamed object stayed under its old name");
    assert.equal(explains(r, "b", absent), false, "the renamed object vanished");
    assert.equal(explains([], "a", absent), true);
  });

  test("a rename racing a put of its target: the put must win (the rename needs the target absent)", () => {
    const h = [
      op(1, "put", "a", [0, 10]),
      op(2, "put", "b", [20, 40]),
      op(100_001, "rename", "a", [25, 35], "ok", "b"),
    ];
    assert.equal(explains(h, "b", obj(2)), true, "rename first, then the put");
    assert.equal(explains(h, "b", obj(1)), false, "the acknowledged put of b was overwritten by the rename");
  });

  test("two acknowledged renames into one name: the second had to fail", () => {
    const h = [
      op(1, "put", "a", [0, 10]),
      op(2, "put", "c", [0, 10]),
      op(100_001, "rename", "a", [20, 30], "ok", "b"),
      op(200_001, "rename", "c", [21, 31], "ok", "b"),
    ];
    assert.equal(explains(h, "b", obj(1)), false);
    assert.equal(explains(h, "b", obj(2)), false);
    const one = [...h.slice(0, 3), op(200_001, "rename", "c", [21, 31], "fail", "b")];
    assert.equal(explains(one, "b", obj(1)), true);
  });

  test("a rename carries what its source held while it ran", () => {
    const h = [op(1, "put", "a", [0, 10]), op(2, "put", "a", [20, 30]), op(100_001, "rename", "a", [40, 50], "ok", "b")];
    assert.equal(explains(h, "b", obj(2)), true);
    assert.equal(explains(h, "b", obj(1)), false, "the source held put 2 by then");
  });

  test("a link may replace a link or nothing, never a live object", () => {
    const over = [op(1, "put", "x", [0, 10]), op(2, "put", "t", [0, 10]), op(3, "link", "x", [20, 30], "ok", "t")];
    assert.equal(explains(over, "x", { kind: "link", target: "t" }), false);
    const after = [...over.slice(0, 2), op(4, "delete", "x", [12, 15]), op(3, "link", "x", [20, 30], "ok", "t")];
    assert.equal(explains(after, "x", { kind: "link", target: "t" }), true);
  });
});

describe("chaos model: reads", () => {
  test("a read may see any value current at some instant of its span", () => {
    const m = new Model({ ops: [op(1, "put", "a", [0, 10]), op(2, "put", "a", [20, 30])] });
    assert.equal(m.canHold("a", obj(1), 12, 18), true);
    assert.equal(m.canHold("a", obj(1), 25, 40), true, "concurrent with put 2");
    assert.equal(m.canHold("a", obj(1), 35, 40), false, "stale: put 2 was acknowledged before the read");
    assert.equal(m.canHold("a", absent, 35, 40), false);
    assert.equal(m.canHold("a", absent, -5, 5), true);
  });
});

describe("chaos content and seeds", () => {
  test("bytes name the put that wrote them; one changed byte is garbage", () => {
    const data = contentOf(7, 300_012, 5000);
    assert.deepEqual(attribute(7, data, (k) => k === 300_012), { kind: "put", key: 300_012 });
    data[4000] = (data[4000]! + 1) & 0xff;
    assert.equal(attribute(7, data, (k) => k === 300_012).kind, "garbage");
    assert.equal(attribute(7, contentOf(7, 5, 100), () => false).kind, "garbage", "a put no client issued");
    assert.deepEqual(attribute(7, new Uint8Array(0), () => true), { kind: "empty" });
  });

  test("a seed gives the same sequence; forks are independent", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.u32());
    assert.deepEqual(Array.from({ length: 5 }, () => b.u32()), xs);
    const fork = new Rng(42).fork(1);
    assert.notDeepEqual(Array.from({ length: 5 }, () => fork.u32()), xs);
    assert.deepEqual(new Rng(42).fork(3).u32(), new Rng(42).fork(3).u32());
  });
});
