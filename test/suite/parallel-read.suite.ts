import { sha256 } from "@noble/hashes/sha2.js";
import { chunkSubject, formatDigest, InvalidArgumentError, metaSubject, serveReadLane, workerLane } from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { freshBucket, testBytes } from "../harness/fixtures.js";
import type { Suite } from "../harness/suite.js";

const KiB = 1024;

/** Closes both ports of each channel. */
function closePorts(channels: MessageChannel[]): void {
  for (const ch of channels) {
    ch.port1.close();
    ch.port2.close();
  }
}

export default function (t: Suite): void {
  t.test("a get over extra connections reads runs of chunks over each of them and gives the verified bytes in order", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(3 * 1024 * KiB + 123, 31);
    await store.putBytes("p", data, { chunkSize: 32 * KiB });
    const extra = [await ctx.connect(), await ctx.connect()];
    const before = extra.map((c) => c.stats().inBytes);
    const res = await store.get("p", { connections: extra });
    assert.bytesEqual(await res.bytes(), data);
    assert.equal(res.digestVerified, true);
    // 97 chunks in runs of 16 over three connections: each extra one reads two runs (1 MiB) at least
    extra.forEach((c, i) => {
      const got = c.stats().inBytes - before[i]!;
      assert.ok(got >= 1024 * KiB, `extra connection ${i} received ${got} bytes`);
    });
  });

  t.test("a parallel get of an object whose chunks interleave with another's in the stream falls back to one ordered read, byte for byte", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const chunk = 16 * KiB;
    const data = testBytes(80 * chunk - 5, 32);
    const nuid = "MIXEDxxxxxxxxxxxxxxxxx";
    const other = chunkSubject(store.bucket, "OTHERxxxxxxxxxxxxxxxxx");
    // chunks 0-49 contiguous, then one foreign message before each of the rest: the read's second run
    // (chunks 32-63) meets the first foreign message at chunk 50
    for (let i = 0; i < 80; i++) {
      if (i >= 50) await nc.request(other, new Uint8Array(10), { timeout: 5000 });
      await nc.request(chunkSubject(store.bucket, nuid), data.subarray(i * chunk, (i + 1) * chunk), { timeout: 5000 });
    }
    const meta = {
      name: "mixed", bucket: store.bucket, nuid, size: data.length, chunks: 80, digest: formatDigest(sha256(data)),
      mtime: new Date(0).toISOString(), options: { max_chunk_size: chunk },
    };
    const { headers } = await import("nats.ws");
    const h = headers();
    h.set("Nats-Rollup", "sub");
    await nc.request(metaSubject(store.bucket, "mixed"), new TextEncoder().encode(JSON.stringify(meta)), { headers: h, timeout: 5000 });
    const extra = [await ctx.connect(), await ctx.connect(), await ctx.connect()];
    const res = await store.get("mixed", { connections: extra });
    assert.bytesEqual(await res.bytes(), data);
    assert.equal(res.digestVerified, true);
    for (const [offset, length] of [[0, 1], [40 * chunk, 20 * chunk], [49 * chunk + 7, 3 * chunk], [data.length - 1, 1]] as [number, number][]) {
      const got = await (await store.get("mixed", { offset, length, connections: extra })).bytes();
      assert.bytesEqual(got, data.subarray(offset, offset + length), `range ${offset}+${length}`);
    }
  });

  t.test("a range read over extra connections gives exactly the range", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(2 * 1024 * KiB, 33);
    await store.putBytes("r", data, { chunkSize: 8 * KiB });
    const extra = [await ctx.connect()];
    for (const [offset, length] of [[0, 1], [5 * KiB, 700 * KiB], [8 * KiB, 8 * KiB], [1024 * KiB + 3, 1000 * KiB], [data.length - 10, 10]] as [number, number][]) {
      const got = await (await store.get("r", { offset, length, connections: extra })).bytes();
      assert.bytesEqual(got, data.subarray(offset, offset + length), `range ${offset}+${length}`);
    }
  });

  t.test("a parallel get whose extra connection is closed reads those runs over the store's own connection", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(1024 * KiB, 34);
    await store.putBytes("c", data, { chunkSize: 16 * KiB });
    const dead = await ctx.connect();
    await dead.close();
    const res = await store.get("c", { connections: [dead] });
    assert.bytesEqual(await res.bytes(), data);
  });

  t.test("a get over read lanes (served over a MessageChannel, as a Worker serves them) reads every run over the lanes' connections", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const data = testBytes(2 * 1024 * KiB + 99, 35);
    await store.putBytes("l", data, { chunkSize: 16 * KiB });
    const served = [await ctx.connect(), await ctx.connect()];
    const channels = served.map(() => new MessageChannel());
    try {
      const lanes = served.map((c, i) => {
        serveReadLane(channels[i]!.port1, c);
        return workerLane(channels[i]!.port2);
      });
      const ownBefore = nc.stats().inBytes;
      const before = served.map((c) => c.stats().inBytes);
      const res = await store.get("l", { connections: lanes });
      assert.bytesEqual(await res.bytes(), data);
      assert.equal(res.digestVerified, true);
      // the lanes read alone: the store's own connection only read the meta
      const own = nc.stats().inBytes - ownBefore;
      assert.ok(own < 64 * KiB, `the store's own connection received ${own} bytes`);
      served.forEach((c, i) => {
        const got = c.stats().inBytes - before[i]!;
        assert.ok(got >= 1024 * KiB - 64 * KiB, `lane ${i} received ${got} bytes`);
      });
      const range = await (await store.get("l", { offset: 700 * KiB + 5, length: 900 * KiB, connections: lanes })).bytes();
      assert.bytesEqual(range, data.subarray(700 * KiB + 5, 1600 * KiB + 5), "a range over the lanes");
    } finally {
      closePorts(channels); // open ports with listeners would keep Node and Deno running
    }
  });

  t.test("runs of a lane that stops serving or never answers are read over the store's own connection", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(1536 * KiB, 36);
    await store.putBytes("s", data, { chunkSize: 16 * KiB });
    const a = new MessageChannel();
    const b = new MessageChannel();
    try {
      const stopServing = serveReadLane(a.port1, await ctx.connect());
      const stopping = workerLane(a.port2);
      const silent = workerLane(b.port2, { idleMs: 300 }); // nothing serves it
      const res = await store.get("s", { connections: [stopping, silent] });
      const reader = res.body.getReader();
      const first = await reader.read(); // the stopping lane's first run has started
      stopServing();
      const parts = [first.value!];
      for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
      const got = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((off, p) => (got.set(p, off), off + p.length), 0);
      assert.bytesEqual(got, data);
    } finally {
      closePorts([a, b]);
    }
  });

  t.test("connections that are not NATS connections are INVALID_ARGUMENT", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("s", "x");
    for (const connections of ["nc", [{}], {}]) {
      await assert.rejects(() => store.get("s", { connections } as never), InvalidArgumentError, "INVALID_ARGUMENT");
    }
  });
}
