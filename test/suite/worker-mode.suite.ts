/**
 * The Worker transfer mode (src/worker/): a page's `workerObjectStore` handle served by
 * `serveObjectStores` in a real dedicated Worker, against the real server. Runs where there are Workers:
 * the page and (as a nested Worker) the Worker runtime of every browser engine. The Worker script is this
 * very module: loaded with the Worker name {@link HOST}, it serves instead of registering tests.
 */
import {
  AbortedError, CallbackError, InvalidArgumentError, NotFoundError, ObjectStoreError, serveObjectStores, workerObjectStore,
  type NatsConnectionLike, type WorkerObjectStore, type WorkerObjectStoreOptions,
} from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { connectWith } from "../harness/context.js";
import { freshBucket, paced, readAll, slowStream, testBytes } from "../harness/fixtures.js";
import type { Runtime, ServerTarget, Suite, TestContext } from "../harness/suite.js";

const CHUNK = 64 * 1024;
/** The name of the Worker that runs this module as the host. */
const HOST = "objectstore-worker-mode-host";
/** The page and the Worker runtime of every browser engine (the Worker then starts a nested one). */
const WITH_WORKERS: readonly Runtime[] = ["chromium", "worker"];

if ((globalThis as { name?: unknown }).name === HOST && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  serveObjectStores(async (target) => (await connectWith(target as ServerTarget)) as unknown as NatsConnectionLike);
}

/** Starts a host Worker, opens `bucket` through it, runs `fn`, and terminates the Worker. */
async function withWorker(
  ctx: TestContext, bucket: string, fn: (store: WorkerObjectStore, open: (o?: Partial<WorkerObjectStoreOptions>) => Promise<WorkerObjectStore>) => Promise<void>,
): Promise<void> {
  const worker = new Worker(new URL(import.meta.url), { type: "module", name: HOST });
  const crashed = new Promise<never>((_, reject) => {
    worker.onerror = (ev) => {
      ev.preventDefault();
      reject(new Error(`the host Worker failed: ${ev.message || "could not load"}`));
    };
  });
  const target: ServerTarget = { ws: ctx.url, transport: ctx.transport };
  const open = (o: Partial<WorkerObjectStoreOptions> = {}) => Promise.race([workerObjectStore(worker, { bucket, connect: target, ...o }), crashed]);
  try {
    await Promise.race([fn(await open(), open), crashed]);
  } finally {
    worker.terminate();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default function (t: Suite): void {
  t.test("a put through the Worker reads back byte for byte with the page's own store, and the reverse", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(5 * CHUNK + 777);
    await withWorker(ctx, store.bucket, async (ws, open) => {
      const put = async (name: string, source: Parameters<WorkerObjectStore["put"]>[1], via = ws) => {
        const info = await via.put({ name }, source, { chunkSize: CHUNK });
        assert.bytesEqual(await store.getBytes(name), data, `${name}: bytes read back differ`);
        assert.equal(info.digest, (await store.getInfo(name)).digest, `${name}: digest`);
        assert.equal(info.chunks, 6, `${name}: chunks`);
      };
      await put("blob", new Blob([data as BlobPart]));
      const bytes = data.slice();
      await put("bytes", bytes);
      assert.equal(bytes.byteLength, 0, "a whole buffer is transferred, not copied");
      const larger = new Uint8Array(data.length + 10);
      larger.set(data, 5);
      await put("view", larger.subarray(5, 5 + data.length));
      assert.equal(larger.byteLength, data.length + 10, "a view of part of a buffer is copied: the buffer stays the caller's");
      await put("stream", paced(data, 100_000));
      await put("iterable", [data.subarray(0, 1000), data.subarray(1000)]);
      await put("pumped", paced(data, 100_000), await open({ transferStreams: false }));
      assert.equal((await ws.putFile(new File([data as BlobPart], "file.bin"))).name, "file.bin");
      assert.bytesEqual(await store.getBytes("file.bin"), data);

      await store.putBytes("plain", data, { chunkSize: CHUNK });
      const got = await ws.get("plain");
      assert.equal(got.info.size, data.length);
      assert.ok(got.digestVerified);
      assert.bytesEqual(await got.bytes(), data, "bytes() through the Worker");
      assert.bytesEqual(new Uint8Array(await (await (await ws.get("plain")).blob()).arrayBuffer()), data, "blob() through the Worker");
      assert.bytesEqual(await readAll((await ws.get("plain")).body), data, "body through the Worker");
      await store.putString("text", "héllo wörld");
      assert.equal(await (await ws.get("text")).text(), "héllo wörld");
      const range = await ws.get("plain", { offset: CHUNK - 3, length: 10 });
      assert.deepEqual(range.range, { offset: CHUNK - 3, length: 10 });
      assert.bytesEqual(await range.bytes(), data.subarray(CHUNK - 3, CHUNK + 7));
    });
  }, { runtimes: WITH_WORKERS });

  t.test("getInfo, list, status, updateMeta and delete through the Worker answer as the page's store does", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("a", "one");
    await withWorker(ctx, store.bucket, async (ws) => {
      assert.deepEqual(await ws.getInfo("a"), await store.getInfo("a"));
      assert.deepEqual((await ws.list()).map((i) => i.name), ["a"]);
      assert.deepEqual(await ws.status(), await store.status());
      assert.equal((await ws.updateMeta("a", { name: "a", description: "d" })).description, "d");
      await ws.delete("a");
      await assert.rejects(() => store.getInfo("a"), NotFoundError, "OBJECT_NOT_FOUND");
      assert.equal((await ws.getInfo("a", { showDeleted: true })).deleted, true);
      await ws.close();
      await assert.rejects(() => ws.status(), ObjectStoreError);
    });
  }, { runtimes: WITH_WORKERS });

  t.test("progress of a put and a get crosses from the Worker, chunk by chunk", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(10 * CHUNK + 5);
    await withWorker(ctx, store.bucket, async (ws) => {
      const puts: { bytes: number; total?: number | undefined; chunks: number }[] = [];
      await ws.put({ name: "p" }, new Blob([data as BlobPart]), { chunkSize: CHUNK, onProgress: (p) => puts.push({ ...p }) });
      assert.deepEqual(puts.map((p) => p.chunks), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      assert.equal(puts.at(-1)!.bytes, data.length);
      assert.equal(puts.at(-1)!.total, data.length);
      const gets: number[] = [];
      const r = await ws.get("p", { onProgress: (p) => gets.push(p.bytes) });
      await r.bytes();
      assert.equal(gets.length, 11);
      assert.equal(gets.at(-1), data.length);
    });
  }, { runtimes: WITH_WORKERS });

  t.test("an abort on the page stops the Worker's put: ABORTED, no chunks left, the previous version readable", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("f", "previous");
    const before = (await store.status()).messages;
    await withWorker(ctx, store.bucket, async (ws) => {
      const ac = new AbortController();
      let sent = 0;
      const p = ws.put({ name: "f" }, slowStream(100, CHUNK, 5), {
        chunkSize: CHUNK,
        signal: ac.signal,
        onProgress: (pr) => {
          sent = pr.chunks;
          if (pr.chunks === 5) ac.abort();
        },
      });
      await assert.rejects(() => p, AbortedError, "ABORTED");
      assert.ok(sent >= 5 && sent < 100, `some chunks were sent before the abort, not all (${sent})`);
      assert.equal((await store.status()).messages, before, "chunks left behind");
      assert.equal(await store.getString("f"), "previous");
      // aborted before it begins: nothing is sent
      await assert.rejects(() => ws.put({ name: "g" }, new Blob([testBytes(3 * CHUNK) as BlobPart]), { signal: AbortSignal.abort() }), AbortedError, "ABORTED");
      assert.equal((await store.status()).messages, before);
    });
  }, { runtimes: WITH_WORKERS });

  t.test("errors arrive on the page as the library's classes with their code and message", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await withWorker(ctx, store.bucket, async (ws, open) => {
      const plain = await assert.rejects(() => store.get("missing"), NotFoundError, "OBJECT_NOT_FOUND");
      const e = await assert.rejects(() => ws.get("missing"), NotFoundError, "OBJECT_NOT_FOUND");
      assert.ok(e instanceof ObjectStoreError);
      assert.equal(e.name, "NotFoundError");
      assert.equal(e.message, plain.message);
      await assert.rejects(() => ws.getInfo("missing"), NotFoundError, "OBJECT_NOT_FOUND");
      await assert.rejects(() => ws.delete("missing"), NotFoundError, "OBJECT_NOT_FOUND");
      await assert.rejects(() => open({ bucket: ctx.bucketName("nobucket") }), NotFoundError, "BUCKET_NOT_FOUND");
      await assert.rejects(() => ws.put({ name: "x" }, "x", { chunkSize: 0 }), InvalidArgumentError, "INVALID_ARGUMENT");
      await assert.rejects(() => ws.put({ name: "x" }, 12 as never), InvalidArgumentError, "INVALID_ARGUMENT");
      await assert.rejects(() => ws.put({ name: "x" }, "x", { hasher: () => { throw new Error("no"); } } as never), InvalidArgumentError, "INVALID_ARGUMENT");
      const cb = await assert.rejects(() => ws.put({ name: "x" }, slowStream(50, CHUNK, 5), {
        chunkSize: CHUNK, onProgress: (p) => { if (p.chunks === 2) throw new Error("bar broke"); },
      }), CallbackError, "CALLBACK_FAILED");
      assert.ok(/bar broke/.test(cb.message), cb.message);
      assert.equal((await store.status()).messages, 0, "a put whose callback threw leaves nothing");
    });
  }, { runtimes: WITH_WORKERS });

  t.test("a slow reader of a get's body holds the Worker back: only the window is read ahead", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(32 * CHUNK);
    await store.putBytes("big", data, { chunkSize: CHUNK });
    await withWorker(ctx, store.bucket, async (_, open) => {
      const ws = await open({ window: 2 });
      let read = 0;
      const r = await ws.get("big", { onProgress: (p) => (read = p.chunks) });
      const reader = r.body.getReader();
      const first = await reader.read();
      assert.equal(first.value?.length, CHUNK);
      await sleep(400);
      assert.ok(read >= 1 && read <= 2 + 2, `the Worker read ${read} chunks ahead of a reader that took 1 (window 2)`);
      const rest = await readAll(new ReadableStream({
        async pull(c) {
          const { done, value } = await reader.read();
          if (done) c.close();
          else c.enqueue(value);
        },
      }));
      const all = new Uint8Array(data.length);
      all.set(first.value!);
      all.set(rest, CHUNK);
      assert.bytesEqual(all, data);
      // a cancelled body stops the Worker's read; the session goes on
      const c = await ws.get("big");
      const cr = c.body.getReader();
      await cr.read();
      await cr.cancel();
      assert.equal((await ws.getInfo("big")).size, data.length);
    });
  }, { runtimes: WITH_WORKERS });
}
