/**
 * Range reads: only the chunks that hold bytes [offset, offset + length) are fetched. The first of them
 * is found with a headers-only pass over the chunk subject (a few bytes per chunk, no payloads), which
 * works for any writer's chunk sizes; then an ordered reader starts at that chunk's stream sequence.
 */
import type { Bucket } from "./bucket.js";
import { AbortedError, IntegrityError, ObjectStoreError } from "./core/errors.js";
import type { ObjectInfo } from "./core/meta.js";
import { chunkSubject } from "./core/names.js";
import { ChunkReader } from "./transport/chunk-reader.js";
import { fromNatsError } from "./transport/errors.js";

/** A byte range of an object. */
export interface ByteRange {
  /** First byte. */
  offset: number;
  /** Number of bytes. */
  length: number;
}

/** Where a range starts: the stream sequence of its first chunk and the offset inside that chunk. */
async function locate(bucket: Bucket, subject: string, offset: number): Promise<{ seq: number; skip: number }> {
  const scan = await ChunkReader.open(bucket.js, bucket.stream, subject, { batch: 1024, window: 2048, headersOnly: true });
  try {
    let start = 0;
    for (;;) {
      const m = await scan.next();
      if (!m) throw new IntegrityError("SIZE_MISMATCH", "the object's chunks end before the range starts");
      const size = Number(m.headers?.get("Nats-Msg-Size") ?? NaN);
      if (!Number.isFinite(size)) throw new IntegrityError("SIZE_MISMATCH", "a chunk without its size");
      if (offset < start + size) return { seq: m.streamSeq, skip: offset - start };
      start += size;
    }
  } finally {
    await scan.close();
  }
}

/**
 * The bytes of `range` of a stored object, pulled on demand. The whole-object digest cannot be checked
 * on a range; the byte count is.
 */
export function rangeBody(bucket: Bucket, info: ObjectInfo, range: ByteRange, signal?: AbortSignal): ReadableStream<Uint8Array> {
  const subject = chunkSubject(bucket.name, info.nuid);
  let reader: ChunkReader | undefined;
  let skip = 0;
  let left = range.length;
  const close = () => void reader?.close();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (signal?.aborted) throw new AbortedError("ABORTED", "get aborted", { cause: signal.reason });
          if (left === 0) {
            close();
            controller.close();
            return;
          }
          if (!reader) {
            const at = await locate(bucket, subject, range.offset);
            skip = at.skip;
            const chunkSize = info.options?.max_chunk_size ?? 128 * 1024;
            const batch = Math.max(1, Math.min(64, Math.ceil((range.length + skip) / chunkSize)));
            reader = await ChunkReader.open(bucket.js, bucket.stream, subject, { batch, window: batch * 2, startSeq: at.seq });
          }
          const m = await reader.next();
          if (!m) throw new IntegrityError("SIZE_MISMATCH", `${info.name}: the object's chunks end inside the range`);
          let piece = m.data.subarray(skip);
          skip = 0;
          if (piece.length > left) piece = piece.subarray(0, left);
          left -= piece.length;
          controller.enqueue(piece);
          if (left === 0) {
            close();
            controller.close();
          }
        } catch (err) {
          close();
          throw err instanceof ObjectStoreError ? err : fromNatsError(err, "read range");
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}
