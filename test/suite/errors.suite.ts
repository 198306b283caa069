import {
  AbortedError, CallbackError, ConflictError, IntegrityError, InvalidArgumentError, LinkError, NotFoundError, SealedError,
  SourceError, ServerError, chunkSubject, objectStoreManager,
} from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { freshBucket, slowStream, testBytes } from "../harness/fixtures.js";
import type { Suite } from "../harness/suite.js";

const CHUNK = 128 * 1024;

export default function (t: Suite): void {
  t.test("invalid bucket names are refused before anything is sent", async (ctx) => {
    const m = objectStoreManager(await ctx.connect());
    for (const bad of ["", "a.b", "a b", "a*", "a>", "ünï", 42 as unknown as string]) {
      await assert.rejects(() => m.createObjectStore({ bucket: bad }), InvalidArgumentError, "INVALID_STORE_NAME");
      await assert.rejects(() => m.objectStore(bad), InvalidArgumentError, "INVALID_STORE_NAME");
    }
    await assert.rejects(() => m.createObjectStore(undefined as never), InvalidArgumentError, "CONFIG_REQUIRED");
    await assert.rejects(() => m.createObjectStore({ bucket: "ok", ttl: -1 }), InvalidArgumentError, "INVALID_ARGUMENT");
  });

  t.test("opening or deleting a missing bucket is BUCKET_NOT_FOUND", async (ctx) => {
    const m = objectStoreManager(await ctx.connect());
    const name = ctx.bucketName("missing");
    await assert.rejects(() => m.objectStore(name), NotFoundError, "BUCKET_NOT_FOUND");
    await assert.rejects(() => m.deleteObjectStore(name), NotFoundError, "BUCKET_NOT_FOUND");
  });

  t.test("every operation on a bucket deleted after it was opened is BUCKET_NOT_FOUND, at once", async (ctx) => {
    // requests may wait 60 s; the test allows 20: an operation that waited for its timeout fails it
    const m = objectStoreManager(await ctx.connect(), { timeout: 60_000 });
    const bucket = ctx.bucketName("gone");
    const store = await m.createObjectStore({ bucket });
    await store.putString("a", "hello");
    await store.addLink("l", await store.getInfo("a"));
    await objectStoreManager(await ctx.connect()).deleteObjectStore(bucket);
    await assert.rejects(() => store.getInfo("a"), NotFoundError, "BUCKET_NOT_FOUND");
    await assert.rejects(() => store.getInfo("a", { showDeleted: true }), NotFoundError, "BUCKET_NOT_FOUND");
    await assert.rejects(() => store.get("a"), NotFoundError, "BUCKET_NOT_FOUND");
    await assert.rejects(() => store.getString("l"), NotFoundError, "BUCKET_NOT_FOUND");
    await assert.rejects(() => store.putString("b", "x"), NotFoundError, "BUCKET_NOT_FOUND");
    await assert.rejects(() => store.delete("a"), NotFoundError, "BUCKET_NOT_FOUND");
    await assert.rejects(() => store.list(), NotFoundError, "BUCKET_NOT_FOUND");
    await assert.rejects(() => store.status(), NotFoundError, "BUCKET_NOT_FOUND");
  }, { timeoutMs: 20_000 });

  t.test("an empty or missing object name is NAME_REQUIRED", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await assert.rejects(() => store.putString("", "x"), InvalidArgumentError, "NAME_REQUIRED");
    await assert.rejects(() => store.put({} as never, "x"), InvalidArgumentError, "NAME_REQUIRED");
    await assert.rejects(() => store.get(""), InvalidArgumentError, "NAME_REQUIRED");
    await assert.rejects(() => store.delete(""), InvalidArgumentError, "NAME_REQUIRED");
  });

  t.test("a write of a name too long for a subject is NAME_TOO_LONG and the connection stays usable", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await assert.rejects(() => store.putString("n".repeat(3000), "x"), InvalidArgumentError, "NAME_TOO_LONG");
    await assert.rejects(() => store.delete("n".repeat(3000)), InvalidArgumentError, "NAME_TOO_LONG");
    // reads carry the subject in a payload: any length can be looked up
    await assert.rejects(() => store.getInfo("n".repeat(3000)), NotFoundError, "OBJECT_NOT_FOUND");
    await store.putString("fine", "x");
    assert.equal(await store.getString("fine"), "x");
  });

  t.test("bad meta, sources and options are typed errors", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await assert.rejects(() => store.put({ name: "a", headers: { x: "y" } } as never, "x"), InvalidArgumentError, "BAD_OBJECT_META");
    await assert.rejects(() => store.put({ name: "a" }, 12 as never), InvalidArgumentError, "INVALID_ARGUMENT");
    await assert.rejects(() => store.put({ name: "a" }, "x", { chunkSize: 0 }), InvalidArgumentError, "INVALID_ARGUMENT");
    await assert.rejects(() => store.put({ name: "a", options: { link: { bucket: "b", name: "c" } } }, "x"), LinkError, "LINK_NOT_ALLOWED");
    assert.equal((await store.status()).messages, 0);
  });

  t.test("bad get and watch options are INVALID_ARGUMENT, never a TypeError", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putBytes("x", testBytes(3 * CHUNK));
    const badGets: [string, unknown][] = [
      ["signal not an AbortSignal", { signal: {} }],
      ["signal a string", { signal: "abort" }],
      ["signal not an AbortSignal, on a range", { signal: { aborted: "no" }, offset: 1, length: 10 }],
      ["onProgress not a function", { onProgress: 5 }],
      ["hasher not a function", { hasher: "sha-256" }],
      ["offset negative", { offset: -1 }],
      ["length not a number", { length: "10" }],
    ];
    for (const [what, opts] of badGets) {
      const err = await assert.rejects(() => store.get("x", opts as never), InvalidArgumentError, "INVALID_ARGUMENT");
      assert.ok(err.message.length > 0, what);
    }
    const badWatches: unknown[] = [null, 5, "all", [], { updatesOnly: "yes" }, { includeHistory: 1 }, { ignoreDeletes: {} }, { onBadMeta: true }];
    for (const opts of badWatches) {
      await assert.rejects(() => store.watch(opts as never), InvalidArgumentError, "INVALID_ARGUMENT");
    }
    // nothing was left running: a good get and watch still work
    assert.bytesEqual(await store.getBytes("x"), testBytes(3 * CHUNK));
    const w = await store.watch({ updatesOnly: true });
    w.stop();
  });

  t.test("a throwing onProgress, hasher or onBadMeta fails a get or watch with CALLBACK_FAILED, its error the cause", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    await store.putBytes("x", testBytes(3 * CHUNK));
    const boom = new Error("the callback's own failure");
    const throwing: [string, Record<string, unknown>][] = [
      ["onProgress", { onProgress: () => { throw boom; } }],
      ["hasher factory", { hasher: () => { throw boom; } }],
      ["async hasher factory", { hasher: async () => { throw boom; } }],
      ["hasher update", { hasher: () => ({ update: () => { throw boom; }, digest: () => new Uint8Array(32) }) }],
      ["hasher digest", { hasher: () => ({ update: () => undefined, digest: () => { throw boom; } }) }],
    ];
    for (const [what, opts] of throwing) {
      const res = await store.get("x", opts);
      const err = await assert.rejects(() => res.bytes(), CallbackError, "CALLBACK_FAILED");
      assert.equal(err.cause, boom, what);
    }
    // a hasher that makes no hasher, or a digest of the wrong length
    for (const hasher of [() => 42, () => ({ update: () => undefined, digest: () => "x" })]) {
      await assert.rejects(async () => (await store.get("x", { hasher: hasher as never })).bytes(), CallbackError, "CALLBACK_FAILED");
    }
    await nc.request(`$O.${store.bucket}.M.YmFk`, new TextEncoder().encode("{not json"));
    const w = await store.watch({ onBadMeta: () => { throw boom; } });
    const err = await assert.rejects(async () => { for (;;) if (!(await w.next())) break; }, CallbackError, "CALLBACK_FAILED");
    assert.equal(err.cause, boom);
    w.stop();
    assert.bytesEqual(await store.getBytes("x"), testBytes(3 * CHUNK));
  });

  t.test("null or malformed options of every method are INVALID_ARGUMENT; a throwing put callback is CALLBACK_FAILED and stores nothing", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("f", "previous");
    const before = (await store.status()).messages;
    const calls: [string, () => Promise<unknown>][] = [
      ["get null", () => store.get("f", null as never)],
      ["getBytes null", () => store.getBytes("f", null as never)],
      ["getString 7", () => store.getString("f", 7 as never)],
      ["getInfo null", () => store.getInfo("f", null as never)],
      ["getInfo showDeleted", () => store.getInfo("f", { showDeleted: "yes" } as never)],
      ["list null", () => store.list(null as never)],
      ["list includeDeleted", () => store.list({ includeDeleted: 1 } as never)],
      ["list onBadMeta", () => store.list({ onBadMeta: 3 } as never)],
      ["updateMeta null", () => store.updateMeta("f", { name: "f", description: "d" }, null as never)],
      ["delete null", () => store.delete("f", null as never)],
      ["delete previousRevision", () => store.delete("f", { previousRevision: "1" } as never)],
      ["put null", () => store.put({ name: "f" }, "new", null as never)],
      ["putString null", () => store.putString("f", "new", null as never)],
      ["putBytes array", () => store.putBytes("f", new Uint8Array(3), [] as never)],
      ["put signal", () => store.put({ name: "f" }, "new", { signal: {} as never })],
      ["put onProgress", () => store.put({ name: "f" }, "new", { onProgress: 1 as never })],
      ["put hasher", () => store.put({ name: "f" }, "new", { hasher: {} as never })],
      ["put onCheckpoint", () => store.put({ name: "f" }, "new", { onCheckpoint: "save" as never })],
      ["put reconnectWaitMs", () => store.put({ name: "f" }, "new", { reconnectWaitMs: -1 })],
      ["put resumeFrom", () => store.put({ name: "f" }, "new", { resumeFrom: 5 as never })],
    ];
    for (const [what, call] of calls) {
      const err = await assert.rejects(call, InvalidArgumentError, "INVALID_ARGUMENT");
      assert.ok(err.message.length > 0, what);
    }
    const boom = new Error("the callback's own failure");
    const data = testBytes(6 * CHUNK, 3);
    const failing: [string, Record<string, unknown>][] = [
      ["onProgress", { onProgress: (p: { chunks: number }) => { if (p.chunks === 3) throw boom; } }],
      ["onProgress of a resumable put", { onCheckpoint: () => undefined, onProgress: (p: { chunks: number }) => { if (p.chunks === 3) throw boom; } }],
      ["onCheckpoint", { onCheckpoint: (cp: { chunks: number }) => { if (cp.chunks >= 2) throw boom; } }],
      ["hasher factory", { hasher: () => { throw boom; } }],
      ["hasher update", { hasher: () => ({ update: () => { throw boom; }, digest: () => new Uint8Array(32) }) }],
      ["hasher digest", { hasher: () => ({ update: () => undefined, digest: () => { throw boom; } }) }],
    ];
    for (const [what, opts] of failing) {
      const err = await assert.rejects(() => store.putBytes("f", data, opts), CallbackError, "CALLBACK_FAILED");
      assert.equal(err.cause, boom, what);
      assert.equal((await store.status()).messages, before, `${what}: nothing is left behind`);
    }
    assert.equal(await store.getString("f"), "previous");
  });

  t.test("a Blob whose stream() throws, or a source whose iterator cannot be made, is SOURCE_FAILED and stores nothing", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("f", "previous");
    const before = (await store.status()).messages;
    class BrokenBlob extends Blob {
      override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
        throw new TypeError("this blob cannot be read");
      }
    }
    const sources: unknown[] = [
      new BrokenBlob(["some bytes"]),
      { [Symbol.asyncIterator]: () => { throw new TypeError("no iterator"); } },
      { [Symbol.iterator]: () => { throw new TypeError("no iterator"); } },
      { [Symbol.asyncIterator]: () => 42 },
    ];
    for (const source of sources) {
      const err = await assert.rejects(() => store.put({ name: "f" }, source as never), SourceError, "SOURCE_FAILED");
      assert.ok(err.cause !== undefined, "the source's error is kept as the cause");
    }
    assert.equal((await store.status()).messages, before);
    assert.equal(await store.getString("f"), "previous");
  });

  t.test("get of a missing object is OBJECT_NOT_FOUND", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await assert.rejects(() => store.get("nope"), NotFoundError, "OBJECT_NOT_FOUND");
    await assert.rejects(() => store.getInfo("nope"), NotFoundError, "OBJECT_NOT_FOUND");
    await assert.rejects(() => store.delete("nope"), NotFoundError, "OBJECT_NOT_FOUND");
  });

  t.test("put into a sealed bucket is BUCKET_SEALED and reads still work", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("before", "kept");
    await store.seal();
    assert.equal((await store.status()).sealed, true);
    await assert.rejects(() => store.putString("after", "x"), SealedError, "BUCKET_SEALED");
    await assert.rejects(() => store.delete("before"), SealedError, "BUCKET_SEALED");
    assert.equal(await store.getString("before"), "kept");
  });

  t.test("a stale previousRevision is REVISION_MISMATCH and changes nothing", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const v1 = await store.putString("doc", "one");
    const v2 = await store.putString("doc", "two", { previousRevision: v1.revision });
    await assert.rejects(() => store.putString("doc", "three", { previousRevision: v1.revision }), ConflictError, "REVISION_MISMATCH");
    await assert.rejects(() => store.putString("new", "x", { previousRevision: 5 }), ConflictError, "REVISION_MISMATCH");
    await store.putString("new", "x", { previousRevision: 0 });
    await assert.rejects(() => store.delete("doc", { previousRevision: v1.revision }), ConflictError, "REVISION_MISMATCH");
    await assert.rejects(() => store.updateMeta("doc", { name: "doc", description: "d" }, { previousRevision: v1.revision }), ConflictError, "REVISION_MISMATCH");
    assert.equal(await store.getString("doc"), "two");
    assert.equal((await store.getInfo("doc")).revision, v2.revision);
  });

  t.test("an aborted put leaves no chunks and the previous version readable", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("f", "previous");
    const before = (await store.status()).messages;
    const ac = new AbortController();
    let sent = 0;
    const p = store.put({ name: "f" }, slowStream(100, CHUNK, 5), {
      signal: ac.signal,
      onProgress: (pr) => { sent = pr.chunks; if (pr.chunks === 5) ac.abort(); },
    });
    await assert.rejects(() => p, AbortedError, "ABORTED");
    assert.ok(sent >= 5, "some chunks were sent before the abort");
    assert.equal((await store.status()).messages, before);
    assert.equal(await store.getString("f"), "previous");
  });

  t.test("a source that fails half way is SOURCE_FAILED and leaves the store as it was", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("f", "previous");
    const before = (await store.status()).messages;
    await assert.rejects(() => store.put({ name: "f" }, slowStream(20, CHUNK, 1, 6)), SourceError, "SOURCE_FAILED");
    assert.equal((await store.status()).messages, before);
    assert.equal(await store.getString("f"), "previous");
  });

  t.test("a corrupted chunk errors the body with DIGEST_MISMATCH", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const data = testBytes(3 * CHUNK);
    const info = await store.putBytes("x", data);
    // replace the chunks with same-sized wrong bytes, published directly
    const subject = chunkSubject(store.bucket, info.nuid);
    await nc.request(`$JS.API.STREAM.PURGE.OBJ_${store.bucket}`, new TextEncoder().encode(JSON.stringify({ filter: subject })));
    for (let i = 0; i < 3; i++) await nc.request(subject, testBytes(CHUNK, 99 + i));
    const res = await store.get("x");
    const err = await assert.rejects(() => res.bytes(), IntegrityError, "DIGEST_MISMATCH");
    assert.ok(err.message.includes("x"));
  });

  t.test("a missing or extra chunk errors the body with CHUNK_COUNT_MISMATCH", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const info = await store.putBytes("x", testBytes(3 * CHUNK));
    const subject = chunkSubject(store.bucket, info.nuid);
    await nc.request(subject, testBytes(10));
    await assert.rejects(async () => (await store.get("x")).bytes(), IntegrityError, "CHUNK_COUNT_MISMATCH");
    await nc.request(`$JS.API.STREAM.PURGE.OBJ_${store.bucket}`, new TextEncoder().encode(JSON.stringify({ filter: subject, keep: 2 })));
    await assert.rejects(async () => (await store.get("x")).bytes(), IntegrityError, "CHUNK_COUNT_MISMATCH");
  });

  t.test("bucket metadata or compression on a server older than 2.10 is SERVER_TOO_OLD", async (ctx) => {
    const nc = await ctx.connect();
    const m = objectStoreManager(nc);
    const major = Number((nc.info?.version ?? "0.0").split(".")[0]);
    const minor = Number((nc.info?.version ?? "0.0").split(".")[1]);
    if (major > 2 || minor >= 10) return;
    await assert.rejects(() => m.createObjectStore({ bucket: ctx.bucketName("c"), compression: true }), ServerError, "SERVER_TOO_OLD");
    await assert.rejects(() => m.createObjectStore({ bucket: ctx.bucketName("c"), metadata: { a: "b" } }), ServerError, "SERVER_TOO_OLD");
  });
}
