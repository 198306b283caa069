import fc from "fast-check";
import { chunkSubject, decodeName, encodeName, formatDigest, parseDigest } from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { freshBucket, testBytes } from "../harness/fixtures.js";
import type { Suite } from "../harness/suite.js";

const CHUNK = 128 * 1024;

export default function (t: Suite): void {
  t.test("eight concurrent puts of one name leave exactly one readable version and no orphan chunks", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const versions = Array.from({ length: 8 }, (_, i) => testBytes(CHUNK * (i + 1) + i, i + 10));
    const infos = await Promise.all(versions.map((v) => store.putBytes("same", v)));
    const current = await store.getInfo("same");
    const winner = infos.findIndex((i) => i.nuid === current.nuid);
    assert.ok(winner >= 0, "the stored version is one of the puts");
    assert.bytesEqual(await store.getBytes("same"), versions[winner]!);
    assert.equal((await store.status()).messages, current.chunks + 1, "only the winner's chunks and one meta remain");
  }, { timeoutMs: 60_000 });

  t.test("purgeOrphanChunks removes chunks no meta names and never a live object's", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const live = testBytes(3 * CHUNK, 5);
    await store.putBytes("live", live);
    await store.putString("gone", "x");
    await store.delete("gone");
    const orphan = chunkSubject(store.bucket, "ORPHANxxxxxxxxxxxxxxxx");
    for (let i = 0; i < 4; i++) await nc.request(orphan, testBytes(1000, i));
    const young = await store.purgeOrphanChunks();
    assert.deepEqual(young.nuids, [], "chunks younger than the age threshold are left alone");
    const dry = await store.purgeOrphanChunks({ minAgeMs: 0, dryRun: true });
    assert.deepEqual(dry, { nuids: ["ORPHANxxxxxxxxxxxxxxxx"], messages: 4 });
    const before = (await store.status()).messages;
    const done = await store.purgeOrphanChunks({ minAgeMs: 0 });
    assert.equal(done.messages, 4);
    assert.equal((await store.status()).messages, before - 4);
    assert.bytesEqual(await store.getBytes("live"), live);
  });

  t.test("property: any unicode name round-trips through the name codec and the store", async (ctx) => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 200 }), (name) => {
      const token = encodeName(name);
      return /^[A-Za-z0-9_=-]+$/.test(token) && decodeName(token) === name;
    }), { numRuns: 500 });
    const { store } = await freshBucket(ctx);
    const names = fc.sample(fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }), { numRuns: 25, seed: 42 });
    for (const [i, name] of names.entries()) await store.putString(name, String(i));
    const unique = [...new Set(names)];
    for (const name of unique) assert.equal((await store.getInfo(name)).name, name);
    assert.equal((await store.list()).length, unique.length);
  });

  t.test("property: arbitrary sizes and chunk sizes store and read back byte for byte", async (ctx) => {
    const { store } = await freshBucket(ctx);
    // bounded work: each chunk is a message with its own ack, so a case's chunk count (not its bytes) is
    // its cost; a tiny chunk size is raised until the case needs at most MAX_CHUNKS (1-byte chunks of a
    // 70 KB object were 70 000 round trips), and the edge cases are listed explicitly
    const MAX_CHUNKS = 40;
    const sampled = fc.sample(fc.record({ size: fc.integer({ min: 0, max: 70_000 }), chunk: fc.integer({ min: 1, max: 20_000 }) }),
      { numRuns: 10, seed: 7 }).map(({ size, chunk }) => ({ size, chunk: Math.max(chunk, Math.ceil(size / MAX_CHUNKS)) }));
    const edges = [{ size: 0, chunk: 1 }, { size: 7, chunk: 1 }, { size: 4096, chunk: 4096 }, { size: 4097, chunk: 4096 }, { size: 4095, chunk: 4096 }];
    const cases = [...edges, ...sampled];
    const chunksInAll = cases.reduce((n, c) => n + Math.ceil(c.size / c.chunk), 0);
    assert.ok(chunksInAll <= cases.length * MAX_CHUNKS, `the cases need ${chunksInAll} chunks`);
    for (const [i, { size, chunk }] of cases.entries()) {
      const data = testBytes(size, i);
      const info = await store.putBytes(`p${i}`, data, { chunkSize: chunk });
      assert.equal(info.chunks, Math.ceil(size / chunk));
      assert.bytesEqual(await store.getBytes(`p${i}`), data, `size ${size} chunk ${chunk}`);
    }
  }, { timeoutMs: 60_000 });

  t.test("property: digests parse in every encoding older clients wrote", async () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (hash) => {
      const url = formatDigest(hash);
      const b64 = url.slice(8).replace(/-/g, "+").replace(/_/g, "/");
      const hex = Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
      for (const d of [url, url.replace(/=+$/, ""), `sha-256=${b64}`, `SHA-256=${hex}`]) {
        const parsed = parseDigest(d);
        if (parsed.length !== 32 || parsed.some((b, i) => b !== hash[i])) return false;
      }
      return true;
    }), { numRuns: 300 });
  });
}
