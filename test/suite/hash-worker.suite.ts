/**
 * Hashing in a Worker (`workerSha256` on the page, `serveHashing` in the Worker): puts and gets whose
 * SHA-256 runs elsewhere. Every runtime serves the hashing over a `MessageChannel` in its own thread (the
 * same messages a Worker gets); where there are Workers, one test runs it in a real dedicated Worker, this
 * very module loaded under the Worker name {@link HASHER}.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import {
  CallbackError, formatDigest, IntegrityError, serveHashing, workerSha256, type Hasher, type HasherFactory,
} from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { freshBucket, paced, testBytes } from "../harness/fixtures.js";
import type { Runtime, Suite } from "../harness/suite.js";

const KiB = 1024;
/** The name of the Worker that runs this module as a hashing Worker. */
const HASHER = "objectstore-hash-worker";
const WITH_WORKERS: readonly Runtime[] = ["chromium", "worker"];

if ((globalThis as { name?: unknown }).name === HASHER && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  serveHashing(globalThis as unknown as Parameters<typeof serveHashing>[0]);
}

/** A hashing "Worker" on the other end of a MessageChannel; `close` closes both ports. */
function channel(serve?: Parameters<typeof serveHashing>[1] | false) {
  const ch = new MessageChannel();
  const stop = serve === false ? () => {} : serveHashing(ch.port2, serve);
  return {
    page: ch.port1,
    worker: ch.port2,
    close: () => {
      stop();
      ch.port1.close();
      ch.port2.close();
    },
  };
}

/** noble's SHA-256 whose updates are counted (`hashed` bytes) and, when `delayMs` is set, each take that long. */
function counted(delayMs = 0, fail?: string) {
  const seen = { hashed: 0 };
  const factory: HasherFactory = () => {
    const h = sha256.create();
    return {
      async update(bytes: Uint8Array) {
        if (fail) throw new Error(fail);
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        h.update(bytes);
        seen.hashed += bytes.length;
      },
      digest: () => h.digest(),
    } satisfies Hasher;
  };
  return { factory, seen };
}

export default function (t: Suite): void {
  t.test("a put and a get hashed in a Worker store and verify the object's SHA-256, every byte hashed there", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const { factory, seen } = counted();
    const ch = channel({ hasher: factory });
    try {
      const data = testBytes(700 * KiB + 13, 41);
      const hasher = workerSha256(ch.page);
      const info = await store.put({ name: "w" }, paced(data, 100 * KiB), { chunkSize: 64 * KiB, hasher });
      assert.equal(info.digest, formatDigest(sha256(data)));
      assert.equal(seen.hashed, data.length, "the put's bytes were hashed in the Worker");
      const res = await store.get("w", { hasher });
      assert.bytesEqual(await res.bytes(), data);
      assert.equal(res.digestVerified, true);
      assert.equal(seen.hashed, 2 * data.length, "the get's bytes were hashed in the Worker");
      const empty = await store.putBytes("empty", new Uint8Array(0), { hasher });
      assert.equal(empty.digest, formatDigest(sha256(new Uint8Array(0))));
      assert.equal((await store.get("empty", { hasher })).digestVerified, true);
    } finally {
      ch.close();
    }
  });

  t.test("a get hashed in a Worker whose digest differs from the meta's fails with DIGEST_MISMATCH", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putBytes("x", testBytes(300 * KiB, 42), { chunkSize: 32 * KiB });
    // the Worker hashes something else: its digest is taken, not the page's
    const wrong: HasherFactory = () => ({ update() {}, digest: () => new Uint8Array(32) });
    const ch = channel({ hasher: wrong });
    try {
      const res = await store.get("x", { hasher: workerSha256(ch.page) });
      await assert.rejects(() => res.bytes(), IntegrityError, "DIGEST_MISMATCH");
    } finally {
      ch.close();
    }
  });

  t.test("a put whose Worker hashes slower than the socket waits for it: at most maxQueuedBytes (plus one chunk) wait in the Worker", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const { factory, seen } = counted(3);
    const ch = channel({ hasher: factory });
    let arrived = 0;
    let mostWaiting = 0;
    ch.worker.addEventListener("message", (ev: MessageEvent) => {
      const m = ev.data as { t?: string; data?: Uint8Array };
      if (m.t !== "hash-update" || !m.data) return;
      arrived += m.data.length;
      mostWaiting = Math.max(mostWaiting, arrived - seen.hashed);
    });
    try {
      const data = testBytes(1024 * KiB, 43);
      const info = await store.putBytes("slow", data, { chunkSize: 16 * KiB, hasher: workerSha256(ch.page, { maxQueuedBytes: 64 * KiB }) });
      assert.equal(info.digest, formatDigest(sha256(data)));
      assert.equal(arrived, data.length);
      assert.ok(mostWaiting <= 64 * KiB + 16 * KiB, `${mostWaiting} bytes waited in the Worker at once`);
    } finally {
      ch.close();
    }
  });

  t.test("a put whose Worker never answers fails with CALLBACK_FAILED after idleMs and stores nothing", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("f", "previous");
    const before = (await store.status()).messages;
    const ch = channel(false);
    ch.worker.start(); // a Worker that takes the bytes and never says a word
    try {
      const hasher = workerSha256(ch.page, { idleMs: 300, maxQueuedBytes: 32 * KiB });
      await assert.rejects(() => store.putBytes("f", testBytes(512 * KiB, 44), { chunkSize: 16 * KiB, hasher }), CallbackError, "CALLBACK_FAILED");
      assert.equal((await store.status()).messages, before, "the put's chunks are purged");
      assert.equal(await store.getString("f"), "previous");
      // a Worker that only withholds the digest fails the same way
      const ch2 = channel({ hasher: () => ({ update() {}, digest: () => new Promise<Uint8Array>(() => {}) }) });
      try {
        await assert.rejects(() => store.putBytes("f", testBytes(100 * KiB, 45), { hasher: workerSha256(ch2.page, { idleMs: 300 }) }), CallbackError, "CALLBACK_FAILED");
        assert.equal((await store.status()).messages, before);
      } finally {
        ch2.close();
      }
    } finally {
      ch.close();
    }
  });

  t.test("a put whose Worker's hasher throws fails with CALLBACK_FAILED naming the Worker's error, and stores nothing", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const before = (await store.status()).messages;
    const { factory } = counted(0, "boom in the worker");
    const ch = channel({ hasher: factory });
    try {
      const err = await assert.rejects(() => store.putBytes("f", testBytes(200 * KiB, 46), { hasher: workerSha256(ch.page) }), CallbackError, "CALLBACK_FAILED");
      assert.ok(String((err as Error).message).includes("boom in the worker"), (err as Error).message);
      assert.equal((await store.status()).messages, before);
    } finally {
      ch.close();
    }
  });

  t.test("a get cancelled before its end and a put whose source fails tell the Worker to drop their hashes", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putBytes("g", testBytes(1024 * KiB, 51), { chunkSize: 16 * KiB });
    const ch = channel();
    const said: string[] = [];
    ch.worker.addEventListener("message", (ev: MessageEvent) => said.push(String((ev.data as { t?: string }).t)));
    try {
      const hasher = workerSha256(ch.page);
      const reader = (await store.get("g", { hasher })).body.getReader();
      await reader.read();
      await reader.read();
      await reader.cancel();
      const failing = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(testBytes(100 * KiB, 52));
        },
        pull(c) {
          c.error(new Error("the source broke"));
        },
      });
      await assert.rejects(() => store.put({ name: "p" }, failing, { chunkSize: 16 * KiB, hasher }), Error);
      for (let i = 0; i < 50 && said.filter((t) => t === "hash-drop").length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(said.filter((t) => t === "hash-drop").length, 2, `the Worker was told: ${[...new Set(said)].join(", ")}`);
      assert.equal(said.filter((t) => t === "hash-finish").length, 0, "no digest was asked for");
    } finally {
      ch.close();
    }
  });

  t.test("two puts and a get hashed by one Worker at the same time keep their hashes apart", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const ch = channel();
    try {
      const hasher = workerSha256(ch.page, { maxQueuedBytes: 32 * KiB });
      const a = testBytes(600 * KiB, 47);
      const b = testBytes(500 * KiB + 1, 48);
      await store.putBytes("c", testBytes(400 * KiB, 49), { chunkSize: 16 * KiB });
      const [ia, ib, got] = await Promise.all([
        store.putBytes("a", a, { chunkSize: 16 * KiB, hasher }),
        store.putBytes("b", b, { chunkSize: 16 * KiB, hasher }),
        store.get("c", { hasher }).then(async (r) => ({ bytes: await r.bytes(), verified: r.digestVerified })),
      ]);
      assert.equal(ia.digest, formatDigest(sha256(a)));
      assert.equal(ib.digest, formatDigest(sha256(b)));
      assert.bytesEqual(got.bytes, testBytes(400 * KiB, 49));
      assert.equal(got.verified, true);
    } finally {
      ch.close();
    }
  });

  t.test("a put and a get hashed in a real dedicated Worker store and verify the object", async (ctx) => {
    const worker = new Worker(new URL(import.meta.url), { type: "module", name: HASHER });
    const crashed = new Promise<never>((_, reject) => {
      worker.onerror = (ev) => {
        ev.preventDefault();
        reject(new Error(`the hashing Worker failed: ${ev.message || "could not load"}`));
      };
    });
    try {
      const { store } = await freshBucket(ctx);
      const hasher = workerSha256(worker);
      const data = testBytes(2 * 1024 * KiB + 5, 50);
      const info = await Promise.race([store.putBytes("real", data, { hasher }), crashed]);
      assert.equal(info.digest, formatDigest(sha256(data)));
      const res = await Promise.race([store.get("real", { hasher }), crashed]);
      assert.bytesEqual(await Promise.race([res.bytes(), crashed]), data);
      assert.equal(res.digestVerified, true);
    } finally {
      worker.terminate();
    }
  }, { runtimes: WITH_WORKERS });
}
