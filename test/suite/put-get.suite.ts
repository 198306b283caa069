import {
  IntegrityError, NotFoundError, ObjectResult, chunkSubject, encodeName, formatDigest, metaSubject, type PutSource,
} from "../../src/index.js";
import { sha256 } from "@noble/hashes/sha2.js";
import * as assert from "../harness/assert.js";
import { freshBucket, readAll, testBytes } from "../harness/fixtures.js";
import type { Suite } from "../harness/suite.js";

const CHUNK = 128 * 1024;

export default function (t: Suite): void {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * 1024 * 1024 + 7]) {
    t.test(`put then get returns the same ${size} bytes with the right size, chunk count and digest`, async (ctx) => {
      const { store } = await freshBucket(ctx);
      const data = testBytes(size, size);
      const info = await store.putBytes("obj", data);
      assert.equal(info.size, size);
      assert.equal(info.chunks, Math.ceil(size / CHUNK));
      assert.equal(info.digest, formatDigest(sha256(data)));
      const got = await store.get("obj");
      assert.equal(got.info.size, size);
      assert.bytesEqual(await got.bytes(), data);
    });
  }

  t.test("the empty object has no chunks and the digest of empty input", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const info = await store.putString("empty", "");
    assert.equal(info.chunks, 0);
    assert.equal(info.digest, "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=");
    assert.equal(await store.getString("empty"), "");
  });

  t.test("every kind of source is stored byte for byte", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(300_000, 7);
    const sources: Record<string, () => PutSource> = {
      uint8array: () => data,
      arraybuffer: () => data.slice().buffer as ArrayBuffer,
      blob: () => new Blob([data as Uint8Array<ArrayBuffer>]),
      stream: () => new Blob([data as Uint8Array<ArrayBuffer>]).stream(),
      asyncIterable: () => (async function* () {
        for (let i = 0; i < data.length; i += 999) yield data.subarray(i, i + 999);
      })(),
      iterable: () => [data.subarray(0, 5), data.subarray(5)],
    };
    for (const [kind, make] of Object.entries(sources)) {
      await store.put({ name: kind }, make());
      assert.bytesEqual(await store.getBytes(kind), data, kind);
    }
    await store.put({ name: "text" }, "héllo wörld ✓");
    assert.equal(await store.getString("text"), "héllo wörld ✓");
  });

  t.test("names with unicode, spaces, dots, slashes and 2 KB length round-trip", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const names = ["日本語/ファイル.txt", "with space.bin", "a.b.c", "/leading/slash", "emoji 🎉", "x".repeat(2000), "*", ">"];
    for (const [i, name] of names.entries()) {
      await store.putString(name, `v${i}`);
    }
    for (const [i, name] of names.entries()) {
      assert.equal(await store.getString(name), `v${i}`, name);
      assert.equal((await store.getInfo(name)).name, name);
    }
    const listed = (await store.list()).map((o) => o.name).sort();
    assert.deepEqual(listed, [...names].sort());
  });

  t.test("overwriting with fewer chunks purges the old chunks", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putBytes("o", testBytes(10 * CHUNK));
    assert.equal((await store.status()).messages, 11);
    await store.putBytes("o", testBytes(2 * CHUNK, 2));
    assert.equal((await store.status()).messages, 3, "2 chunks and 1 meta");
    assert.bytesEqual(await store.getBytes("o"), testBytes(2 * CHUNK, 2));
  });

  t.test("custom chunk size is used and recorded", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(100_000);
    const info = await store.putBytes("c", data, { chunkSize: 10_000 });
    assert.equal(info.chunks, 10);
    assert.equal(info.options?.max_chunk_size, 10_000);
    assert.bytesEqual(await store.getBytes("c"), data);
  });

  t.test("put and get report progress up to the total", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(5 * CHUNK + 3);
    const seen: number[] = [];
    await store.putBytes("p", data, { onProgress: (p) => { seen.push(p.bytes); assert.equal(p.total, data.length); } });
    assert.equal(seen.length, 6);
    assert.equal(seen.at(-1), data.length);
    const read: number[] = [];
    await store.getBytes("p", { onProgress: (p) => read.push(p.bytes) });
    assert.equal(read.at(-1), data.length);
  });

  t.test("the result reads as text, blob, arrayBuffer and body stream", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.put({ name: "r", headers: { "Content-Type": ["text/plain"] } }, "hello");
    assert.equal(await (await store.get("r")).text(), "hello");
    const blob = await (await store.get("r")).blob();
    assert.equal(blob.type, "text/plain");
    assert.equal(await blob.text(), "hello");
    assert.equal(new TextDecoder().decode(await (await store.get("r")).arrayBuffer()), "hello");
    const res = await store.get("r");
    assert.ok(res instanceof ObjectResult);
    assert.equal(new TextDecoder().decode(await readAll(res.body)), "hello");
    assert.ok(res.bodyUsed);
  });

  t.test("a slow reader gets every byte while the body pulls chunks only on demand", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(40 * CHUNK, 3);
    await store.putBytes("slow", data);
    const res = await store.get("slow");
    const reader = res.body.getReader();
    const parts: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      if (parts.length % 8 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(parts.length, 40);
    const all = new Uint8Array(data.length);
    let off = 0;
    for (const p of parts) { all.set(p, off); off += p.length; }
    assert.bytesEqual(all, data);
  });

  t.test("an object whose meta has no digest reads back, but not as digest-verified", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    // a meta written by hand, as another writer might: the ADR-20 JSON with no digest, and its chunks
    const data = testBytes(2 * CHUNK + 5, 11);
    const nuid = "NoDigestNuid0000000001";
    for (let off = 0; off < data.length; off += CHUNK) await nc.request(chunkSubject(store.bucket, nuid), data.subarray(off, off + CHUNK));
    const meta = { name: "no digest", bucket: store.bucket, nuid, size: data.length, chunks: 3, mtime: new Date().toISOString(),
      options: { max_chunk_size: CHUNK } };
    await nc.request(metaSubject(store.bucket, "no digest"), new TextEncoder().encode(JSON.stringify(meta)));
    const res = await store.get("no digest");
    assert.equal(res.info.digest, undefined);
    assert.equal(res.digestVerified, false, "nothing to verify the bytes against");
    assert.bytesEqual(await res.bytes(), data);
    // its size and chunk count are still checked
    await nc.request(chunkSubject(store.bucket, nuid), testBytes(1, 1));
    await assert.rejects(async () => (await store.get("no digest")).bytes(), IntegrityError, "CHUNK_COUNT_MISMATCH");
    // an object with a digest is verified
    await store.putBytes("with digest", data);
    const checked = await store.get("with digest");
    assert.equal(checked.digestVerified, true);
    assert.bytesEqual(await checked.bytes(), data);
  });

  t.test("an object jnats wrote (name in standard base64, a null metadata value) reads, lists, updates and deletes", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const name = "日本語/ファイル ü?"; // its base64 holds both + and /, its base64url - and _
    const url = encodeName(name);
    const classic = url.replace(/-/g, "+").replace(/_/g, "/");
    assert.ok(classic !== url && /[+/]/.test(classic), "the name's two encodings differ");
    const data = testBytes(CHUNK + 9, 21);
    const nuid = "JnatsStyleNuid00000001";
    for (let off = 0; off < data.length; off += CHUNK) await nc.request(chunkSubject(store.bucket, nuid), data.subarray(off, off + CHUNK));
    const digest = formatDigest(sha256(data));
    const meta = { name, bucket: store.bucket, nuid, size: data.length, chunks: 2, mtime: new Date().toISOString(), digest,
      metadata: { kept: "yes", empty: null }, options: { max_chunk_size: CHUNK } };
    await nc.request(`$O.${store.bucket}.M.${classic}`, new TextEncoder().encode(JSON.stringify(meta)));
    const info = await store.getInfo(name);
    assert.deepEqual(info.metadata, { kept: "yes", empty: "" }, "a null value reads as empty, the rest is kept");
    assert.bytesEqual(await store.getBytes(name), data);
    assert.deepEqual((await store.list()).map((o) => o.name), [name]);
    await store.updateMeta(name, { name, description: "now ours" });
    assert.equal((await store.getInfo(name)).description, "now ours");
    assert.deepEqual((await store.list()).map((o) => o.name), [name], "listed once after the update");
    await store.delete(name);
    await assert.rejects(() => store.getInfo(name), NotFoundError, "OBJECT_NOT_FOUND");
    assert.deepEqual(await store.list(), []);
  });

  t.test("cancelling a body part way leaves the object readable", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(20 * CHUNK, 4);
    await store.putBytes("c", data);
    const res = await store.get("c");
    const reader = res.body.getReader();
    await reader.read();
    await reader.cancel();
    assert.bytesEqual(await store.getBytes("c"), data);
  });
}
