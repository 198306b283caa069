/**
 * What the server holds of a put's chunks: counted before the meta makes them an object, and measured
 * when a put resumes after a lost connection or from a checkpoint.
 */
import type { Bucket } from "./bucket.js";
import { sleep } from "./core/abortable.js";
import { IntegrityError, ServerError } from "./core/errors.js";
import { chunkIndexOf } from "./core/chunk-id.js";
import { ChunkReader } from "./transport/chunk-reader.js";
import { isTransient } from "./transport/errors.js";

/** How many chunks the stream holds on `subject`. */
export async function countStoredChunks(bucket: Bucket, subject: string): Promise<number> {
  return (await bucket.js.subjectCounts(bucket.stream, subject, "count chunks"))[subject] ?? 0;
}

/**
 * The length of the run of chunks `<nuid>.0`, `<nuid>.1`, … the server holds on `subject`, in order. A
 * put sends its chunks in order on one connection, but when that connection dies with some messages
 * lost on the wire and later ones still queued in the client, the queued ones are stored after the
 * reconnect, past a gap. Those are deleted here, so the put can go on from the end of the run.
 */
export async function storedRun(bucket: Bucket, subject: string, nuid: string): Promise<number> {
  const count = await countStoredChunks(bucket, subject);
  if (count === 0) return 0;
  const last = await bucket.js.lastMessage(bucket.stream, subject, bucket.allowDirect, "check chunks");
  if (chunkIndexOf(last?.msgId, nuid) === count - 1) return count; // ids are unique, so 0..count-1 in order
  let run = 0;
  const strays: number[] = [];
  for await (const m of ChunkReader.headers(bucket.js, bucket.stream, subject)) {
    if (strays.length === 0 && chunkIndexOf(m.msgId, nuid) === run) run++;
    else strays.push(m.seq);
  }
  for (const seq of strays) await bucket.js.deleteMessage(bucket.stream, seq, "drop chunks stored past a gap");
  return run;
}

/**
 * Checks, with a headers-only pass, that the subject holds exactly chunks 0 … `chunks`-1 in order and
 * `size` bytes in all: a put that recovered from a lost connection or resumed proves its chunks line up
 * before its meta makes them an object.
 */
export async function verifyStoredRun(bucket: Bucket, subject: string, nuid: string, chunks: number, size: number): Promise<void> {
  let index = 0;
  let bytes = 0;
  for await (const m of ChunkReader.headers(bucket.js, bucket.stream, subject)) {
    if (chunkIndexOf(m.msgId, nuid) !== index++) {
      throw new IntegrityError("CHUNK_COUNT_MISMATCH", `put: the stored chunks are out of order at chunk ${index - 1}`);
    }
    bytes += m.size;
  }
  if (index !== chunks) throw new IntegrityError("CHUNK_COUNT_MISMATCH", `put: the server holds ${index} of ${chunks} chunks`);
  if (bytes !== size) throw new IntegrityError("SIZE_MISMATCH", `put: the server holds ${bytes} of ${size} bytes`);
}

/**
 * Calls `fn` until it succeeds, while it fails transiently (the connection is down or the server
 * restarting), for up to `waitMs`. A connection closed for good ends the wait at once. Once a call has
 * failed (or from the first call with `failedAlready`: the caller just saw the connection fail), each
 * call is given only what is left of `waitMs`: a request made while the client is disconnected would
 * otherwise wait out the whole request timeout (10 s by default) however short `waitMs` is. A call cut
 * off this way fails with `TIMEOUT`, and its outcome is unknown.
 */
export async function whenReachable<T>(
  bucket: Bucket,
  fn: () => Promise<T>,
  waitMs: number,
  signal?: AbortSignal,
  failedAlready = false,
): Promise<T> {
  const deadline = Date.now() + waitMs;
  let bounded = failedAlready;
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    try {
      return await (bounded ? beforeDeadline(fn(), deadline) : fn());
    } catch (err) {
      bounded = true;
      if (!isTransient(err) || Date.now() + pause > deadline) throw err;
      if (bucket.js.nc.isClosed()) throw new ServerError("CONNECTION_CLOSED", "the connection is closed", { cause: err });
      await sleep(pause, signal);
    }
  }
}

/** `p`, or a `TIMEOUT` once `deadline` has passed (`p` is left to settle on its own). */
function beforeDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  p.catch(() => undefined); // an abandoned call's failure is nobody's to handle
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ServerError("TIMEOUT", "the server did not answer before the wait for the connection ran out")),
      Math.max(0, deadline - Date.now()),
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
