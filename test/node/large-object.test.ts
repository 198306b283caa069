/**
 * A 1 GiB object put from a generated stream and read back through the body stream, in Node, with the
 * process's peak RSS growth held under 64 MiB: neither path ever holds the object in memory.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager } from "../../src/index.js";
import { testServer, uniqueBucket } from "../harness/node-server.js";

const GiB = 1024 * 1024 * 1024;
const PIECE = 1024 * 1024;
const RSS_BOUND = 64 * 1024 * 1024;
let nc: NatsConnection;

before(async () => { nc = await connect({ servers: (await testServer()).ws }); });
after(async () => { await nc?.close(); });

/** A stream of `size` bytes in fresh 1 MiB pieces, each different; its SHA-256 lands in `hash`. */
function generated(size: number, hash: ReturnType<typeof createHash>): ReadableStream<Uint8Array> {
  let sent = 0;
  let n = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= size) return c.close();
      const piece = new Uint8Array(Math.min(PIECE, size - sent)).fill(n & 0xff);
      new DataView(piece.buffer).setUint32(0, n++);
      hash.update(piece);
      sent += piece.length;
      c.enqueue(piece);
    },
  });
}

/** Samples RSS every 25 ms while `fn` runs; returns the peak growth over the RSS before. */
async function peakRssGrowth(fn: () => Promise<void>): Promise<number> {
  globalThis.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 25);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return peak - base;
}

test("a 1 GiB put and get each grow peak RSS by less than 64 MiB, and the bytes verify", { timeout: 240_000 }, async () => {
  const store = await objectStoreManager(nc).createObjectStore({ bucket: uniqueBucket("large") });
  try {
    // warm-up, unmeasured (as in the benchmark): code, connection buffers and the heap's first growth are
    // the process's, not the object's
    await store.put({ name: "warm-up" }, generated(8 * 1024 * 1024, createHash("sha256")));
    await store.getBytes("warm-up");
    const written = createHash("sha256");
    const putGrowth = await peakRssGrowth(async () => {
      const info = await store.put({ name: "big" }, generated(GiB, written));
      assert.equal(info.size, GiB);
      assert.equal(info.chunks, GiB / (128 * 1024));
    });
    const expected = written.digest("base64url");
    assert.equal((await store.getInfo("big")).digest, `SHA-256=${expected}=`);

    const read = createHash("sha256");
    let bytes = 0;
    const getGrowth = await peakRssGrowth(async () => {
      const res = await store.get("big");
      for await (const chunk of res.body) {
        read.update(chunk);
        bytes += chunk.length;
      }
    });
    assert.equal(bytes, GiB);
    assert.equal(read.digest("base64url"), expected);
    console.log(`# 1 GiB peak RSS growth: put ${(putGrowth / 2 ** 20).toFixed(1)} MiB, get ${(getGrowth / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(putGrowth < RSS_BOUND, `put grew RSS by ${(putGrowth / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(getGrowth < RSS_BOUND, `get grew RSS by ${(getGrowth / 2 ** 20).toFixed(1)} MiB`);
  } finally {
    await objectStoreManager(nc).deleteObjectStore(store.bucket);
  }
});
