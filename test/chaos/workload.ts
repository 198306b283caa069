/**
 * One client of a campaign: its own connection and store handle, and a seeded sequence of operations on
 * a small set of names (put, get, delete, rename, describe, link), each recorded in the history with its
 * outcome. A get's bytes are attributed to the put that wrote them as they arrive.
 */
import type { ObjectStore } from "../../src/index.js";
import { attribute, contentOf, HEADER_BYTES } from "./content.js";
import { classify, formatOp, type History, type OpKind, type OpRecord } from "./history.js";
import type { Rng } from "./prng.js";
import type { Findings } from "./violations.js";

/** What every client of a campaign shares. */
export interface WorkloadConfig {
  /** The names operated on. */
  readonly names: readonly string[];
  /** The campaign seed (content filler). */
  readonly seed: number;
  /** Chunk sizes a put picks from. */
  readonly chunkSizes: readonly number[];
  /** A put's size reaches up to this many chunks. */
  readonly maxChunks: number;
  /** The `reconnectWaitMs` a put picks from (0: a lost connection fails it at once). */
  readonly reconnectWaits: readonly number[];
  /** An operation still unsettled after this long is reported hung (and abandoned). */
  readonly opBoundMs: number;
  /** Relative weights of the operations. */
  readonly weights: Readonly<Record<OpKind, number>>;
}

/** The default mix: writes dominate, every kind of write is frequent enough to race the others. */
export const DEFAULT_WEIGHTS: Readonly<Record<OpKind, number>> = {
  put: 28,
  get: 16,
  delete: 18,
  rename: 20,
  describe: 8,
  link: 10,
};

/** One client's handles. */
export interface ClientContext {
  readonly index: number;
  readonly store: ObjectStore;
  readonly rng: Rng;
  readonly history: History;
  readonly findings: Findings;
  readonly log: (line: string) => void;
  /** Resolves when the client may start its next operation (faults pace the workload). */
  readonly gate: () => Promise<void>;
  /** Called once the operation the gate let through has settled. */
  readonly done: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The size of a put's content: empty, a whole number of chunks, or anything up to `maxChunks` chunks. */
function pickSize(rng: Rng, chunkSize: number, maxChunks: number): number {
  const shape = rng.weighted({ empty: 1, whole: 2, any: 5 });
  if (shape === "empty") return 0;
  if (shape === "whole") return chunkSize * rng.int(1, maxChunks);
  return rng.int(HEADER_BYTES, maxChunks * chunkSize + chunkSize / 2);
}

/** Runs `count` operations of client `ctx.index`. */
export async function runClient(ctx: ClientContext, cfg: WorkloadConfig, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await ctx.gate();
    const key = ctx.index * 100_000 + i;
    const kind = ctx.rng.weighted(cfg.weights);
    const name = ctx.rng.pick(cfg.names);
    const other = ctx.rng.pick(cfg.names.filter((n) => n !== name));
    const chunkSize = ctx.rng.pick(cfg.chunkSizes);
    const size = pickSize(ctx.rng, chunkSize, cfg.maxChunks);
    const reconnectWaitMs = ctx.rng.pick(cfg.reconnectWaits);
    const pause = ctx.rng.chance(0.3) ? ctx.rng.int(0, 8) : 0;
    const rec = ctx.history.begin({
      key,
      client: ctx.index,
      kind,
      name,
      to: kind === "rename" || kind === "link" ? other : undefined,
      size: kind === "put" ? size : undefined,
      chunkSize: kind === "put" ? chunkSize : undefined,
    });
    await bounded(ctx, cfg, rec, () => perform(ctx, cfg, rec, reconnectWaitMs));
    ctx.log(formatOp(rec));
    ctx.done();
    if (pause) await sleep(pause);
  }
}

/** Runs `op` with the campaign's bound: past it the operation is recorded as hung, unknown, and left behind. */
async function bounded(ctx: ClientContext, cfg: WorkloadConfig, rec: OpRecord, op: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), cfg.opBoundMs)));
  const running = op();
  const first = await Promise.race([running.then(() => "done" as const), hung]);
  clearTimeout(timer);
  if (first === "hung") {
    running.catch(() => undefined);
    ctx.history.end(rec, "unknown", { code: "HUNG", message: `not settled after ${cfg.opBoundMs} ms` });
    ctx.findings.violation({
      kind: "op-hung",
      name: rec.name,
      detail: `${rec.kind} of ${rec.name}${rec.to ? ` -> ${rec.to}` : ""} (c${rec.client}.${rec.key % 100_000}) did not settle within ${cfg.opBoundMs} ms`,
    });
  }
}

/** Performs one operation and records its response. Never throws. */
async function perform(ctx: ClientContext, cfg: WorkloadConfig, rec: OpRecord, reconnectWaitMs: number): Promise<void> {
  const { store, history } = ctx;
  let reachedWrite = true;
  try {
    switch (rec.kind) {
      case "put": {
        const data = contentOf(cfg.seed, rec.key, rec.size!);
        const info = await store.putBytes(rec.name, data, { chunkSize: rec.chunkSize!, reconnectWaitMs });
        return history.end(rec, "ok", { nuid: info.nuid, revision: info.revision });
      }
      case "get": {
        const bytes = await (await store.get(rec.name)).bytes();
        const a = attribute(cfg.seed, bytes, (k) => history.byKey(k)?.kind === "put");
        const read = a.kind === "put" ? `put:${a.key}` : a.kind === "empty" ? "empty" : `garbage:${a.why}`;
        return history.end(rec, "ok", { read });
      }
      case "delete":
        await store.delete(rec.name);
        return history.end(rec, "ok");
      case "rename": {
        const info = await store.updateMeta(rec.name, { name: rec.to! });
        return history.end(rec, "ok", { nuid: info.nuid, revision: info.revision });
      }
      case "describe": {
        const info = await store.updateMeta(rec.name, { name: rec.name, description: `d${rec.key}` });
        return history.end(rec, "ok", { nuid: info.nuid, revision: info.revision });
      }
      case "link": {
        reachedWrite = false;
        const target = await store.getInfo(rec.to!);
        reachedWrite = true;
        const info = await store.addLink(rec.name, target);
        return history.end(rec, "ok", { nuid: info.nuid, revision: info.revision });
      }
    }
  } catch (err) {
    const c = classify(err);
    if (!c.typed) {
      ctx.findings.violation({
        kind: "untyped-error",
        name: rec.name,
        detail: `${rec.kind} of ${rec.name} (c${rec.client}.${rec.key % 100_000}) rejected with ${c.code}: ${c.message}`,
      });
    }
    // a link whose target could not be read never wrote anything
    const outcome = reachedWrite ? c.outcome : "fail";
    history.end(rec, outcome, { code: reachedWrite ? c.code : `getInfo:${c.code}`, message: c.message });
  }
}
