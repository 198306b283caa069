/** Get: meta -> ordered chunk reader -> verifier -> body stream. */
import type { Bucket } from "./bucket.js";
import { parseDigest, sameHash } from "./core/digest.js";
import { checkGetOptions } from "./core/check-options.js";
import { AbortedError, IntegrityError, InvalidArgumentError, ObjectStoreError } from "./core/errors.js";
import type { ObjectInfo } from "./core/meta.js";
import { chunkSubject } from "./core/names.js";
import type { GetOptions } from "./options.js";
import { defaultSha256 } from "./platform/fast-sha256.js";
import type { Hasher } from "./core/sha256.js";
import { ChunkReader } from "./transport/chunk-reader.js";
import { parallelReader, type ChunkSource } from "./parallel-chunks.js";
import { fromNatsError } from "./transport/errors.js";
import { replacedOr } from "./replaced-mid-read.js";

/** Bytes of chunks a get requests ahead of its reader (1-8 MiB read equally fast in the benchmark; less holds less). */
const READ_AHEAD_BYTES = 2 * 1024 * 1024;

/**
 * The verified bytes of a stored (non-link) object, as a stream pulled by its reader: chunks are requested
 * only as the reader consumes them. The last chunk is released only after size, chunk count and digest
 * check out; any mismatch errors the stream with an {@link IntegrityError}. Bad options throw
 * {@link InvalidArgumentError} `INVALID_ARGUMENT`; a throwing `onProgress` or `hasher` errors the stream
 * with a `CallbackError` (`CALLBACK_FAILED`).
 */
export function objectBody(bucket: Bucket, info: ObjectInfo, options?: GetOptions): ReadableStream<Uint8Array> {
  const opts = checkGetOptions(options);
  let hasher: Hasher | undefined;
  let reader: ChunkSource | undefined;
  let bytes = 0;
  let chunks = 0;
  let finished = false;
  let digested = false;
  const onAbort = () => {
    void reader?.close();
  };

  const verify = async (pendingAfterLast: number): Promise<void> => {
    if (pendingAfterLast > 0) throw integrity("CHUNK_COUNT_MISMATCH", `${info.name}: more chunks stored than its meta says`);
    if (bytes !== info.size) throw integrity("SIZE_MISMATCH", `${info.name}: read ${bytes} bytes, its meta says ${info.size}`);
    if (info.digest) {
      const expected = parseDigest(info.digest);
      digested = true;
      if (!sameHash(await hasher!.digest(), expected)) throw integrity("DIGEST_MISMATCH", `${info.name}: digest mismatch`);
    }
  };

  /** The read ended before the meta's chunk count: the object changed under it, or its chunks are gone. */
  const missingChunks = () =>
    replacedOr(bucket, info, integrity("CHUNK_COUNT_MISMATCH", `${info.name}: ${chunks} chunks stored, its meta says ${info.chunks}`));

  const finish = () => {
    finished = true;
    if (!digested) hasher?.dispose?.();
    opts.signal?.removeEventListener("abort", onAbort);
    void reader?.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      start() {
        opts.signal?.addEventListener("abort", onAbort, { once: true });
      },
      async pull(controller) {
        try {
          if (opts.signal?.aborted) throw new AbortedError("ABORTED", "get aborted", { cause: opts.signal.reason });
          hasher ??= await (opts.hasher ?? defaultSha256)();
          if (info.chunks === 0) {
            await verify(0);
            finish();
            controller.close();
            return;
          }
          if (!info.nuid) throw new InvalidArgumentError("BAD_OBJECT_META", `${info.name}: meta has no nuid`);
          if (!reader) {
            const chunkSize = info.options?.max_chunk_size ?? 128 * 1024;
            const batch = Math.max(1, Math.min(256, Math.floor(READ_AHEAD_BYTES / 2 / chunkSize)));
            const subject = chunkSubject(bucket.name, info.nuid);
            reader = opts.connections?.length
              ? parallelReader(bucket, opts.connections, subject, info.chunks, chunkSize)
              : await ChunkReader.open(bucket.js, bucket.stream, subject, { batch, window: batch * 2 });
            if (opts.signal?.aborted) throw new AbortedError("ABORTED", "get aborted", { cause: opts.signal.reason });
          }
          const m = await reader.next();
          if (opts.signal?.aborted) throw new AbortedError("ABORTED", "get aborted", { cause: opts.signal.reason });
          if (!m) throw await missingChunks();
          const hashing = hasher.update(m.data); // a hash in a Worker may ask the read to wait for it
          if (hashing) await hashing;
          bytes += m.data.length;
          chunks++;
          if (chunks === info.chunks) {
            await verify(m.pending);
            controller.enqueue(m.data);
            opts.onProgress?.({ bytes, total: info.size, chunks });
            finish();
            controller.close();
            return;
          }
          if (m.pending === 0) throw await missingChunks();
          if (bytes > info.size) throw integrity("SIZE_MISMATCH", `${info.name}: more bytes stored than its meta says`);
          controller.enqueue(m.data);
          opts.onProgress?.({ bytes, total: info.size, chunks });
        } catch (err) {
          finish();
          throw err instanceof ObjectStoreError ? err : fromNatsError(err, "read object");
        }
      },
      cancel() {
        if (!finished) finish();
      },
    },
    { highWaterMark: 0 },
  );
}

function integrity(code: "DIGEST_MISMATCH" | "SIZE_MISMATCH" | "CHUNK_COUNT_MISMATCH", message: string): IntegrityError {
  return new IntegrityError(code, message);
}
