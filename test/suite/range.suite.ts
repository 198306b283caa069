import { sha256 } from "@noble/hashes/sha2.js";
import { chunkSubject, formatDigest, IntegrityError, InvalidArgumentError, metaSubject } from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { freshBucket, testBytes } from "../harness/fixtures.js";
import type { Suite } from "../harness/suite.js";

export default function (t: Suite): void {
  t.test("range reads return exactly the requested bytes, across chunk boundaries", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(100_000, 9);
    await store.putBytes("r", data, { chunkSize: 7_000 });
    const cases: [number, number][] = [[0, 1], [0, 7_000], [6_999, 2], [7_000, 7_000], [12_345, 50_000], [99_999, 1], [93_000, 10_000], [50_000, 0]];
    for (const [offset, length] of cases) {
      const res = await store.get("r", { offset, length });
      const want = data.subarray(offset, Math.min(offset + length, data.length));
      assert.bytesEqual(await res.bytes(), want, `range ${offset}+${length}`);
      assert.equal(res.digestVerified, false);
      assert.deepEqual(res.range, { offset, length: want.length });
    }
    const tail = await store.get("r", { offset: 90_000 });
    assert.bytesEqual(await tail.bytes(), data.subarray(90_000));
    const whole = await store.get("r", { offset: 0 });
    assert.equal(whole.digestVerified, true);
    await assert.rejects(() => store.get("r", { offset: -1 }), InvalidArgumentError, "INVALID_ARGUMENT");
  });

  t.test("range reads work on objects whose chunks vary in size (written by another client)", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const sizes = [10, 5000, 1, 30000, 777, 12000];
    const data = testBytes(sizes.reduce((a, b) => a + b, 0), 4);
    const nuid = "VARYxxxxxxxxxxxxxxxxxx";
    let off = 0;
    for (const s of sizes) {
      await nc.request(chunkSubject(store.bucket, nuid), data.subarray(off, off + s));
      off += s;
    }
    const meta = { name: "vary", bucket: store.bucket, nuid, size: data.length, chunks: sizes.length, digest: formatDigest(sha256(data)), mtime: new Date(0).toISOString() };
    const h = (await import("nats.ws")).headers();
    h.set("Nats-Rollup", "sub");
    await nc.request(metaSubject(store.bucket, "vary"), new TextEncoder().encode(JSON.stringify(meta)), { headers: h, timeout: 5000 });
    assert.bytesEqual(await store.getBytes("vary"), data, "whole object");
    for (const [offset, length] of [[0, 10], [9, 2], [5011, 1], [5012, 30001], [data.length - 1, 1], [3, data.length]] as [number, number][]) {
      const got = await (await store.get("vary", { offset, length })).bytes();
      assert.bytesEqual(got, data.subarray(offset, offset + length), `range ${offset}+${length}`);
    }
  });

  t.test("a range read of a large object fetches only the chunks that hold the range, not the object", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const data = testBytes(8 * 1024 * 1024, 12);
    await store.putBytes("big", data);
    const before = nc.stats().inBytes;
    const got = await (await store.get("big", { offset: data.length - 100_000, length: 100_000 })).bytes();
    const received = nc.stats().inBytes - before;
    assert.bytesEqual(got, data.subarray(data.length - 100_000));
    assert.ok(received < 1024 * 1024, `received ${received} bytes for a 100 kB range of an 8 MiB object`);
  });

  t.test("a range is found in an object whose chunks interleave with another put's in the stream", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const a = testBytes(90_000, 21);
    const b = testBytes(90_000, 22);
    /** One 1000-byte piece per pull, with a pause: two such puts at once interleave their chunks. */
    const slow = (data: Uint8Array) => {
      let off = 0;
      return new ReadableStream<Uint8Array>({
        async pull(c) {
          await new Promise((r) => setTimeout(r, 1));
          if (off >= data.length) return c.close();
          c.enqueue(data.slice(off, off + 1000));
          off += 1000;
        },
      });
    };
    await Promise.all([
      store.put({ name: "a" }, slow(a), { chunkSize: 1000, window: 1 }),
      store.put({ name: "b" }, slow(b), { chunkSize: 1000, window: 1 }),
    ]);
    for (const [offset, length] of [[0, 1], [1000, 1], [44_321, 2_000], [89_000, 1_000], [89_999, 1], [12_500, 60_000]] as [number, number][]) {
      assert.bytesEqual(await (await store.get("a", { offset, length })).bytes(), a.subarray(offset, offset + length), `a ${offset}+${length}`);
      assert.bytesEqual(await (await store.get("b", { offset, length })).bytes(), b.subarray(offset, offset + length), `b ${offset}+${length}`);
    }
  });

  t.test("a range read checks each chunk it reads against the meta's chunk size: a short chunk is SIZE_MISMATCH", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    // chunks with this library's message ids, but the middle one short: 1000 + 900 + 1000 bytes, so byte 2500
    // is not where the meta's chunk size puts it (without the check the range would get the wrong bytes)
    const sizes = [1000, 900, 1000];
    const data = testBytes(2900, 5);
    const nuid = "SHORTxxxxxxxxxxxxxxxxx";
    const { headers } = await import("nats.ws");
    let off = 0;
    for (const [i, n] of sizes.entries()) {
      const h = headers();
      h.set("Nats-Msg-Id", `${nuid}.${i}`);
      await nc.request(chunkSubject(store.bucket, nuid), data.subarray(off, off + n), { headers: h, timeout: 5000 });
      off += n;
    }
    const meta = {
      name: "short", bucket: store.bucket, nuid, size: data.length, chunks: 3, digest: formatDigest(sha256(data)),
      mtime: new Date(0).toISOString(), options: { max_chunk_size: 1000 },
    };
    const h = headers();
    h.set("Nats-Rollup", "sub");
    await nc.request(metaSubject(store.bucket, "short"), new TextEncoder().encode(JSON.stringify(meta)), { headers: h, timeout: 5000 });
    assert.bytesEqual(await store.getBytes("short"), data, "the whole object verifies: sizes add up, digest matches");
    await assert.rejects(async () => (await store.get("short", { offset: 2500, length: 100 })).bytes(), IntegrityError, "SIZE_MISMATCH");
    assert.bytesEqual(await (await store.get("short", { offset: 0, length: 1000 })).bytes(), data.subarray(0, 1000), "the first chunk is right");
  });
}
