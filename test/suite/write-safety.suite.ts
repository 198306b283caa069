/**
 * Never lose an object: writers racing each other on two connections, hand-written (hostile) metas,
 * full buckets and bad input. Each test pins one way data used to be lost (see docs/protocol.md).
 */
import {
  ConflictError, InvalidArgumentError, LinkError, metaSubject, objectStoreManager, type ObjectStore, type UploadCheckpoint,
} from "../../src/index.js";
import { headers } from "nats.ws";
import * as assert from "../harness/assert.js";
import { freshBucket, testBytes } from "../harness/fixtures.js";
import type { Suite, TestContext } from "../harness/suite.js";

const enc = new TextEncoder();
/** Races are run this many times: each used to lose data in one trial in three to seven. */
const TRIALS = 24;

/** The same bucket opened on a second connection, for a second writer. */
async function secondWriter(ctx: TestContext, bucket: string): Promise<ObjectStore> {
  return objectStoreManager(await ctx.connect()).objectStore(bucket);
}

/** How each of two racing operations ended: its value, or the error's code. */
async function race<A, B>(a: () => Promise<A>, b: () => Promise<B>): Promise<[A | string, B | string]> {
  const code = (e: unknown) => (e as { code?: string }).code ?? String(e);
  return Promise.all([a().catch(code), b().catch(code)]);
}

/** Chunk messages in the bucket that no live or deleted meta names (0 once every write cleaned up). */
async function orphans(store: ObjectStore): Promise<number> {
  return (await store.purgeOrphanChunks({ minAgeMs: 0, dryRun: true })).messages;
}

/** Publishes a hand-written meta JSON for `name`, as any client allowed to write the bucket could. */
async function forgeMeta(nc: { request(s: string, d: Uint8Array): Promise<unknown> }, bucket: string, name: string, meta: object) {
  await nc.request(metaSubject(bucket, name), enc.encode(JSON.stringify({ name, bucket, size: 0, chunks: 0, mtime: "", ...meta })));
}

export default function (t: Suite): void {
  t.test("a rename racing a put of the new name never hands the put's name the renamed data", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const other = await secondWriter(ctx, store.bucket);
    for (let i = 0; i < TRIALS; i++) {
      const [a, b] = [`a${i}`, `b${i}`];
      await store.putString(a, `A${i}`);
      const [renamed, put] = await race(() => store.updateMeta(a, { name: b }), () => other.putString(b, `P${i}`));
      assert.ok(typeof put === "object", `trial ${i}: the put succeeds (${String(put)})`);
      if (typeof renamed === "object") {
        // both succeeded: the rename came first and the put replaced its result
        assert.equal(await store.getString(b), `P${i}`, `trial ${i}: ${b} holds the later put`);
      } else {
        assert.equal(renamed, "OBJECT_ALREADY_EXISTS", `trial ${i}: the rename lost to the put`);
        assert.equal(await store.getString(a), `A${i}`, `trial ${i}: ${a} is untouched`);
        assert.equal(await store.getString(b), `P${i}`);
      }
    }
    assert.equal(await orphans(store), 0, "no chunks were left without a meta");
  }, { timeoutMs: 120_000 });

  t.test("a rename racing a put of the old name loses neither write", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const other = await secondWriter(ctx, store.bucket);
    for (let i = 0; i < TRIALS; i++) {
      const [a, b] = [`a${i}`, `b${i}`];
      const [oldData, newData] = [testBytes(3000 + i, i), testBytes(5000 + i, 100 + i)];
      await store.putBytes(a, oldData, { chunkSize: 1024 });
      const [renamed, put] = await race(() => store.updateMeta(a, { name: b }), () => other.putBytes(a, newData, { chunkSize: 1024 }));
      assert.ok(typeof renamed === "object" && typeof put === "object", `trial ${i}: both succeed (${String(renamed)}, ${String(put)})`);
      const moved = await store.getBytes(b); // verified: size, chunk count and digest
      if (moved.length === oldData.length) {
        assert.bytesEqual(moved, oldData, `trial ${i}: rename first, ${b} holds the old data`);
        assert.bytesEqual(await store.getBytes(a), newData, `trial ${i}: and ${a} the put`);
      } else {
        assert.bytesEqual(moved, newData, `trial ${i}: put first, the rename moved the put`);
        await assert.rejects(() => store.getInfo(a), Error, "OBJECT_NOT_FOUND");
      }
    }
    assert.equal(await orphans(store), 0, "no chunks were left without a meta");
  }, { timeoutMs: 120_000 });

  t.test("a rename leaves a delete marker on the old name and no two live names share a nuid", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const put = await store.putString("old", "data");
    const renamed = await store.updateMeta("old", { name: "new" });
    assert.equal(renamed.nuid, put.nuid);
    const marker = await store.getInfo("old", { showDeleted: true });
    assert.ok(marker.deleted, "the old name is a delete marker");
    await store.putString("old", "fresh"); // replacing a marker purges nothing
    await store.delete("old");
    assert.equal(await store.getString("new"), "data", "the renamed object kept its chunks");
    const live = (await store.list()).map((o) => o.nuid);
    assert.equal(new Set(live).size, live.length);
  });

  t.test("a meta whose nuid is a wildcard is refused, and deleting or replacing it purges nothing else", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const good = testBytes(10_000, 4);
    await store.putBytes("good", good, { chunkSize: 1000 });
    for (const nuid of [">", "*", "a.b"]) {
      await forgeMeta(nc, store.bucket, "evil", { nuid, size: 10, chunks: 1, digest: "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=" });
      await assert.rejects(() => store.getBytes("evil"), InvalidArgumentError, "BAD_OBJECT_META");
      await store.delete("evil");
      await forgeMeta(nc, store.bucket, "evil", { nuid, size: 10, chunks: 1 });
      await store.putString("evil", "replaced");
      assert.equal(await store.getString("evil"), "replaced");
      await store.delete("evil");
      assert.bytesEqual(await store.getBytes("good"), good, `nuid ${nuid}: the other object kept every chunk`);
    }
  });

  t.test("a link cycle is LINK_CYCLE, not a get that never settles", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    await forgeMeta(nc, store.bucket, "self", { nuid: "n1", options: { link: { bucket: store.bucket, name: "self" } } });
    await forgeMeta(nc, store.bucket, "ping", { nuid: "n2", options: { link: { bucket: store.bucket, name: "pong" } } });
    await forgeMeta(nc, store.bucket, "pong", { nuid: "n3", options: { link: { bucket: store.bucket, name: "ping" } } });
    await assert.rejects(() => store.get("self"), LinkError, "LINK_CYCLE");
    await assert.rejects(() => store.get("ping"), LinkError, "LINK_CYCLE");
    // a forged link into a bucket name no server accepts is refused before anything is sent
    await forgeMeta(nc, store.bucket, "far", { nuid: "n4", options: { link: { bucket: "x".repeat(5000), name: "y" } } });
    await assert.rejects(() => store.get("far"), InvalidArgumentError, "INVALID_STORE_NAME");
    assert.ok(!nc.isClosed(), "the connection is still open");
  });

  t.test("a bucket name too long for the server is INVALID_STORE_NAME and the connection survives", async (ctx) => {
    const { nc, manager, store } = await freshBucket(ctx);
    for (const bucket of ["b".repeat(5000), "b".repeat(252)]) {
      await assert.rejects(() => manager.objectStore(bucket), InvalidArgumentError, "INVALID_STORE_NAME");
      await assert.rejects(() => manager.createObjectStore({ bucket }), InvalidArgumentError, "INVALID_STORE_NAME");
      await assert.rejects(() => manager.deleteObjectStore(bucket), InvalidArgumentError, "INVALID_STORE_NAME");
    }
    await assert.rejects(() => store.addBucketLink("l", { bucket: "b".repeat(5000) }), InvalidArgumentError, "INVALID_STORE_NAME");
    assert.ok(!nc.isClosed());
    await store.putString("still", "works");
    assert.equal(await store.getString("still"), "works");
  });

  t.test("a window that is not a whole number >= 1 is INVALID_ARGUMENT, at once", async (ctx) => {
    const { store } = await freshBucket(ctx);
    for (const window of [0, -1, NaN, 1.5, Infinity]) {
      const ac = new AbortController();
      await assert.rejects(() => store.putBytes("w", testBytes(100), { window, signal: ac.signal }), InvalidArgumentError, "INVALID_ARGUMENT");
    }
    assert.equal((await store.status()).messages, 0, "nothing was sent");
  });

  t.test("a full bucket is BUCKET_FULL and can be emptied by deletes and renamed in", async (ctx) => {
    const { store } = await freshBucket(ctx, "full", { maxBytes: 64 * 1024 });
    const stored: string[] = [];
    let full: unknown;
    for (let i = 0; i < 20 && !full; i++) {
      try {
        await store.putBytes(`f${i}`, testBytes(8000, i), { chunkSize: 4000 });
        stored.push(`f${i}`);
      } catch (err) {
        full = err;
      }
    }
    assert.ok(full instanceof ConflictError && full.code === "BUCKET_FULL", `a put into a full bucket is BUCKET_FULL (${String(full)})`);
    assert.ok(stored.length > 2);
    for (const name of stored) await store.delete(name);
    assert.deepEqual(await store.list(), []);
    await store.putBytes("again", testBytes(8000, 99), { chunkSize: 4000 });
    assert.bytesEqual(await store.getBytes("again"), testBytes(8000, 99));
  });

  t.test("names that are not well-formed Unicode are INVALID_NAME, so two never share a subject", async (ctx) => {
    const { store } = await freshBucket(ctx);
    for (const name of ["\uD800", "a\uDC00b", "\uDBFFx"]) {
      await assert.rejects(() => store.putString(name, "x"), InvalidArgumentError, "INVALID_NAME");
      await assert.rejects(() => store.getInfo(name), InvalidArgumentError, "INVALID_NAME");
    }
    await store.putString("ok \uD83D\uDE00", "emoji"); // a proper surrogate pair
    assert.equal(await store.getString("ok \uD83D\uDE00"), "emoji");
  });

  t.test("a resumed put whose source changed between its first chunk and its end is RESUME_MISMATCH; the old version stays", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const chunk = 4096;
    await store.putString("doc", "the good version");
    const data = testBytes(10 * chunk, 5);
    let cp: UploadCheckpoint | undefined;
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 6 * chunk) return c.error(new Error("tab closed"));
        c.enqueue(data.slice(sent, sent + chunk));
        sent += chunk;
      },
    });
    await assert.rejects(() => store.put({ name: "doc" }, failing, { chunkSize: chunk, onCheckpoint: (c) => { cp = c; } }), Error);
    assert.ok(cp && cp.chunks > 1);
    const changed = data.slice();
    changed[chunk + 7] = changed[chunk + 7]! ^ 0xff; // same first chunk, same size, another second chunk
    await assert.rejects(() => store.put({ name: "doc" }, changed, { resumeFrom: cp }), InvalidArgumentError, "RESUME_MISMATCH");
    assert.equal(await store.getString("doc"), "the good version");
    const info = await store.put({ name: "doc" }, data, { resumeFrom: cp }); // the right source still resumes
    assert.bytesEqual(await store.getBytes("doc"), data);
    assert.equal(info.size, data.length);
  });

  t.test("a delete racing a put without a revision never fails with REVISION_MISMATCH", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const other = await secondWriter(ctx, store.bucket);
    for (let i = 0; i < TRIALS; i++) {
      await store.putString(`d${i}`, "first");
      // the delete starts while the put's meta is on its way, a little later each trial
      let started: (() => void) | undefined;
      const putting = new Promise<void>((r) => { started = r; });
      const [deleted, put] = await race(
        async () => {
          await putting;
          await new Promise((r) => setTimeout(r, i % 4));
          return store.delete(`d${i}`);
        },
        () => other.putString(`d${i}`, "second", { onProgress: () => started?.() }),
      );
      assert.ok(deleted === undefined, `trial ${i}: the delete succeeds (${String(deleted)})`);
      assert.ok(typeof put === "object", `trial ${i}: the put succeeds (${String(put)})`);
    }
    assert.equal(await orphans(store), 0);
  }, { timeoutMs: 120_000 });

  t.test("a delete over a delete marker writes its own, so a failing rename cannot bring the name back", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const live = await store.putString("a", "data");
    // a rename's first step: a marker on the old name that keeps its nuid
    await forgeMeta(nc, store.bucket, "a", { nuid: live.nuid, deleted: true });
    const marker = await store.getInfo("a", { showDeleted: true });
    await store.delete("a");
    const after = await store.getInfo("a", { showDeleted: true });
    assert.ok(after.deleted && after.revision > marker.revision, "the delete wrote a marker of its own");
    // the rename taking its marker back (expecting it) is now refused by the server
    const h = headers();
    h.set("Nats-Expected-Last-Subject-Sequence", String(marker.revision));
    const reply = await nc.request(metaSubject(store.bucket, "a"), enc.encode(JSON.stringify({ name: "a", bucket: store.bucket, nuid: live.nuid, size: 4, chunks: 1 })), { headers: h, timeout: 5000 });
    assert.ok(/wrong last sequence/.test(new TextDecoder().decode(reply.data)), "the restore is refused");
  });

  t.test("chunks only a delete marker names are orphans; a renamed object's are not", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const left = await store.putBytes("left", testBytes(5000, 1), { chunkSize: 1000 });
    // a delete whose marker landed but whose purge never ran
    await forgeMeta(nc, store.bucket, "left", { nuid: left.nuid, deleted: true });
    await store.putBytes("moved", testBytes(3000, 2), { chunkSize: 1000 });
    await store.updateMeta("moved", { name: "there" }); // its old name's marker names live chunks
    const purged = await store.purgeOrphanChunks({ minAgeMs: 0 });
    assert.deepEqual(purged.nuids, [left.nuid]);
    assert.equal(purged.messages, 5);
    assert.bytesEqual(await store.getBytes("there"), testBytes(3000, 2));
  });

  t.test("a meta too large for the server is META_TOO_LARGE before any chunk is read or sent", async (ctx) => {
    const { store } = await freshBucket(ctx);
    let pulled = 0;
    const source = new ReadableStream<Uint8Array>({ pull(c) { pulled++; c.enqueue(testBytes(1000)); } }, { highWaterMark: 0 });
    const headers = { "X-Big": ["v".repeat(1024 * 1024)] };
    await assert.rejects(() => store.put({ name: "big-meta", headers }, source), InvalidArgumentError, "META_TOO_LARGE");
    assert.equal(pulled, 0, "the source was not read");
    assert.equal((await store.status()).messages, 0, "nothing was stored");
  });

  t.test("a get or range get whose object is replaced or deleted while it reads fails with REVISION_MISMATCH, not an integrity error", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const CHUNK = 16 * 1024;
    const cases = [
      { change: "replaced", range: false }, { change: "deleted", range: false },
      { change: "replaced", range: true }, { change: "deleted", range: true },
    ] as const;
    for (const { change, range } of cases) {
      // far more chunks than a get (2 MiB) or a range get (128 chunks) reads ahead
      const data = testBytes(400 * CHUNK, 31);
      await store.putBytes("moving", data, { chunkSize: CHUNK });
      const result = range ? await store.get("moving", { offset: CHUNK / 2, length: 398 * CHUNK }) : await store.get("moving");
      const reader = result.body.getReader();
      assert.ok(!(await reader.read()).done, "the first chunk was read");
      if (change === "replaced") await store.putString("moving", "the next version");
      else await store.delete("moving");
      let failure: unknown;
      try {
        while (!(await reader.read()).done) { /* drain */ }
      } catch (err) {
        failure = err;
      }
      const what = `${range ? "range get" : "get"}, ${change}`;
      assert.ok(failure instanceof ConflictError, `${what}: got ${String(failure)}`);
      assert.equal(failure.code, "REVISION_MISMATCH", what);
      assert.ok(failure.message.includes(change), `${what}: ${failure.message}`);
    }
  });
}
