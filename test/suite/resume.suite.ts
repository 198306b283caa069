import {
  AbortedError, formatDigest, InvalidArgumentError, nobleSha256, SourceError, type ObjectStore, type UploadCheckpoint,
} from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { freshBucket, testBytes } from "../harness/fixtures.js";
import type { Suite } from "../harness/suite.js";

const CHUNK = 64 * 1024;

/** `data` in 16 KiB pieces; errors once `failAfter` bytes have been given, if set. */
function source(data: Uint8Array, failAfter?: number): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (failAfter !== undefined && off >= failAfter) return c.error(new Error("the disk went away"));
      if (off >= data.length) return c.close();
      c.enqueue(data.slice(off, off + 16 * 1024));
      off += 16 * 1024;
    },
  });
}

function sha256(data: Uint8Array): string {
  const h = nobleSha256();
  h.update(data);
  return formatDigest(h.digest());
}

/** Starts a resumable put of `data` that fails after `failAfter` bytes; returns its last checkpoint. */
async function interrupted(store: ObjectStore, name: string, data: Uint8Array, failAfter: number) {
  let last: UploadCheckpoint | undefined;
  await assert.rejects(
    () => store.put({ name }, source(data, failAfter), { chunkSize: CHUNK, onCheckpoint: (cp) => { last = cp; } }),
    SourceError, "SOURCE_FAILED",
  );
  assert.ok(last, "checkpoints were reported");
  return last!;
}

export default function (t: Suite): void {
  t.test("a resumable put that fails keeps its acknowledged chunks, and resumeFrom completes it byte for byte", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(20 * CHUNK + 123, 3);
    const cp = await interrupted(store, "big.bin", data, 8 * CHUNK);
    assert.equal(cp.chunks, 8, "every chunk sent before the failure was acknowledged");
    assert.equal(cp.bytes, 8 * CHUNK);
    assert.equal(cp.firstChunkDigest, sha256(data.subarray(0, CHUNK)));
    const held = async () => (await store.status()).messages;
    assert.equal(await held(), 8, "the server kept the chunks");
    await assert.rejects(() => store.getInfo("big.bin"), Error, "OBJECT_NOT_FOUND");

    // JSON round trip: a checkpoint is plain data (what IndexedDB or a file would give back)
    const restored = JSON.parse(JSON.stringify(cp)) as UploadCheckpoint;
    let resumedFrom: number | undefined;
    const info = await store.put({ name: "big.bin" }, source(data), {
      resumeFrom: restored,
      onProgress: (p) => { resumedFrom ??= p.resumedFrom; },
    });
    assert.equal(resumedFrom, 8 * CHUNK, "progress tells where the put resumed");
    assert.equal(info.nuid, cp.nuid, "the resumed put writes on the same chunk subject");
    assert.equal(info.size, data.length);
    assert.equal(info.chunks, 21);
    assert.equal(info.digest, sha256(data), "the digest is the whole source's");
    assert.equal(await held(), 21 + 1, "no chunk is stored twice: 21 chunks and one meta");
    assert.bytesEqual(await store.getBytes("big.bin"), data);
  });

  t.test("resumeFrom refuses a source that does not start with the sent bytes, and keeps the chunks", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(6 * CHUNK, 4);
    const cp = await interrupted(store, "f", data, 3 * CHUNK);
    const other = testBytes(6 * CHUNK, 5);
    await assert.rejects(() => store.put({ name: "f" }, source(other), { resumeFrom: cp }), InvalidArgumentError, "RESUME_MISMATCH");
    const info = await store.put({ name: "f" }, source(data), { resumeFrom: cp });
    assert.equal(info.nuid, cp.nuid, "the right file still resumes after the wrong one was refused");
    assert.bytesEqual(await store.getBytes("f"), data);
  });

  t.test("resumeFrom checks size, bucket and name before reading, and a source shorter than the stored chunks", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(6 * CHUNK, 6);
    const cp = await interrupted(store, "f", data, 4 * CHUNK);
    const withTotal = { ...cp, total: data.length };
    await assert.rejects(() => store.put({ name: "f" }, data.subarray(0, 5 * CHUNK), { resumeFrom: withTotal }), InvalidArgumentError, "RESUME_MISMATCH");
    await assert.rejects(() => store.put({ name: "g" }, data, { resumeFrom: cp }), InvalidArgumentError, "RESUME_MISMATCH");
    await assert.rejects(() => store.put({ name: "f" }, data, { resumeFrom: { ...cp, bucket: "elsewhere" } }), InvalidArgumentError, "RESUME_MISMATCH");
    await assert.rejects(() => store.put({ name: "f" }, data, { resumeFrom: { ...cp, version: 2 } as unknown as UploadCheckpoint }), InvalidArgumentError, "INVALID_ARGUMENT");
    const err = await store.put({ name: "f" }, source(data.subarray(0, 2 * CHUNK)), { resumeFrom: cp }).catch((e: unknown) => e);
    assert.ok(err instanceof InvalidArgumentError && err.code === "RESUME_MISMATCH", "a source shorter than the stored chunks is refused");
    assert.bytesEqual(await store.put({ name: "f" }, data, { resumeFrom: cp }).then(() => store.getBytes("f")), data);
  });

  t.test("a checkpoint whose chunks were purged as orphans starts over and stores the whole source", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(5 * CHUNK + 7, 7);
    const cp = await interrupted(store, "f", data, 2 * CHUNK);
    assert.deepEqual((await store.purgeOrphanChunks()).nuids, [], "a young interrupted upload is not an orphan yet");
    assert.deepEqual((await store.purgeOrphanChunks({ minAgeMs: 0 })).nuids, [cp.nuid]);
    let resumedFrom: number | undefined;
    const info = await store.put({ name: "f" }, source(data), { resumeFrom: cp, onProgress: (p) => { resumedFrom ??= p.resumedFrom; } });
    assert.equal(resumedFrom, undefined, "nothing to resume from");
    assert.ok(info.nuid !== cp.nuid, "a new chunk subject: the server would drop re-sent message ids it saw");
    assert.bytesEqual(await store.getBytes("f"), data);
    assert.equal((await store.status()).messages, info.chunks + 1, "only the new chunks and one meta");
  });

  t.test("cancelling a resumable put purges its chunks", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const ac = new AbortController();
    const data = testBytes(8 * CHUNK, 8);
    await assert.rejects(() => store.put({ name: "f" }, source(data), {
      chunkSize: CHUNK, signal: ac.signal,
      onCheckpoint: (cp) => { if (cp.chunks >= 2) ac.abort(); },
    }), AbortedError, "ABORTED");
    assert.equal((await store.status()).messages, 0, "nothing is left behind");
  });

  t.test("discardUpload purges an abandoned put's chunks at once, and never those of an object that uses them", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const data = testBytes(6 * CHUNK, 9);
    const kept = await store.putBytes("kept", testBytes(3 * CHUNK, 10), { chunkSize: CHUNK });
    const cp = await interrupted(store, "f", data, 3 * CHUNK);
    assert.equal(await store.discardUpload(JSON.parse(JSON.stringify(cp)) as UploadCheckpoint), 3, "the three acknowledged chunks");
    assert.equal((await store.status()).messages, kept.chunks + 1, "only the other object is left");
    assert.equal(await store.discardUpload(cp), 0, "twice is harmless");
    assert.bytesEqual(await store.getBytes("kept"), testBytes(3 * CHUNK, 10));

    // a put that finished (and was renamed since) keeps its chunks
    const cp2 = await interrupted(store, "g", data, 2 * CHUNK);
    await store.put({ name: "g" }, source(data), { resumeFrom: cp2 });
    await store.updateMeta("g", { name: "g2" });
    assert.equal(await store.discardUpload(cp2), 0, "a live object names those chunks");
    assert.bytesEqual(await store.getBytes("g2"), data);

    await assert.rejects(() => store.discardUpload({ ...cp2, bucket: "elsewhere" }), InvalidArgumentError, "RESUME_MISMATCH");
    await assert.rejects(() => store.discardUpload({ ...cp2, nuid: "../x" }), InvalidArgumentError, "INVALID_ARGUMENT");
  });
}
