/**
 * Range reads: only the chunks that hold bytes [offset, offset + length) are fetched. The first of them
 * is found directly by its message id for objects this library wrote, else with a headers-only pass
 * over the chunk subject (a few bytes per chunk, no payloads), which works for any writer's chunk sizes;
 * then an ordered reader starts at that chunk's stream sequence.
 */
import type { Bucket } from "./bucket.js";
import { checkSignal } from "./core/check-options.js";
import { AbortedError, IntegrityError, ObjectStoreError } from "./core/errors.js";
import type { ObjectInfo } from "./core/meta.js";
import { chunkSubject } from "./core/names.js";
import { chunkIndexOf } from "./core/chunk-id.js";
import { ChunkReader } from "./transport/chunk-reader.js";
import { fromNatsError } from "./transport/errors.js";
import { replacedOr } from "./replaced-mid-read.js";
import { parallelReader, type ChunkSource } from "./parallel-chunks.js";
import type { GetOptions } from "./options.js";

/** A byte range of an object. */
export interface ByteRange {
  /** First byte. */
  offset: number;
  /** Number of bytes. */
  length: number;
}

/**
 * Where a range starts: the stream sequence of its first chunk and the offset inside that chunk. An
 * object this library wrote has full chunks of its `max_chunk_size` (all but the last) with indexed
 * message ids, so the chunk is known from the offset and found with a few direct gets; any other is
 * found by a headers-only pass.
 */
async function locate(bucket: Bucket, info: ObjectInfo, offset: number): Promise<{ seq: number; skip: number; chunkSize?: number; index?: number }> {
  const subject = chunkSubject(bucket.name, info.nuid);
  const chunkSize = info.options?.max_chunk_size;
  if (chunkSize && Math.ceil(info.size / chunkSize) === info.chunks) {
    const index = Math.floor(offset / chunkSize);
    const seq = await seekChunk(bucket, subject, info.nuid, index);
    if (seq !== undefined) return { seq, skip: offset - index * chunkSize, chunkSize, index };
  }
  return scan(bucket, subject, offset);
}

/**
 * The stream sequence of chunk `index`, found by its message id: the first chunk, then where the chunk
 * would be if the object's chunks are contiguous in the stream (one writer at a time: the usual case),
 * else a binary search over the sequences between the first chunk and the last. `undefined` when the
 * chunks do not carry this library's ids (another client wrote them).
 */
async function seekChunk(bucket: Bucket, subject: string, nuid: string, index: number): Promise<number | undefined> {
  const at = async (seq: number) => {
    const m = await bucket.js.nextMessage(bucket.stream, subject, seq, bucket.allowDirect, "find range");
    return m ? { seq: m.seq, index: chunkIndexOf(m.msgId, nuid) } : undefined;
  };
  const first = await at(1);
  if (!first || first.index !== 0) return undefined;
  if (index === 0) return first.seq;
  const guess = await at(first.seq + index);
  if (guess?.index === index) return guess.seq;
  const last = await bucket.js.lastMessage(bucket.stream, subject, bucket.allowDirect, "find range");
  if (!last || chunkIndexOf(last.msgId, nuid) < index) return undefined;
  // the smallest sequence whose next chunk has an index >= the one wanted: lo's is below, hi's is not
  let lo = first.seq;
  let hi = last.seq;
  let found = { seq: last.seq, index: chunkIndexOf(last.msgId, nuid) };
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const m = await at(mid);
    if (!m || m.index < 0) return undefined;
    if (m.index >= index) {
      hi = mid;
      found = m;
    } else {
      lo = Math.max(mid, Math.min(m.seq, hi - 1));
    }
  }
  return found.index === index ? found.seq : undefined;
}

/** Where a range starts, found by a headers-only pass over the chunk sizes. */
async function scan(bucket: Bucket, subject: string, offset: number): Promise<{ seq: number; skip: number }> {
  let start = 0;
  for await (const m of ChunkReader.headers(bucket.js, bucket.stream, subject)) {
    if (!Number.isFinite(m.size)) throw new IntegrityError("SIZE_MISMATCH", "a chunk without its size");
    if (offset < start + m.size) return { seq: m.seq, skip: offset - start };
    start += m.size;
  }
  throw new IntegrityError("SIZE_MISMATCH", "the object's chunks end before the range starts");
}

/**
 * The bytes of `range` of a stored object, pulled on demand. The whole-object digest cannot be checked
 * on a range; the byte count is, and for objects of uniform chunks (this library's) the size of every
 * chunk read against the meta's chunk size, chunk count and size. Chunks that go missing because the
 * object was replaced or deleted during the read are `REVISION_MISMATCH`, as for a whole get.
 */
export function rangeBody(
  bucket: Bucket, info: ObjectInfo, range: ByteRange, abortSignal?: AbortSignal, connections?: GetOptions["connections"],
): ReadableStream<Uint8Array> {
  const signal = checkSignal(abortSignal, "get");
  const subject = chunkSubject(bucket.name, info.nuid);
  let reader: ChunkSource | undefined;
  let skip = 0;
  let left = range.length;
  /** With uniform chunks: the index of the next chunk and the size each must have. */
  let uniform: { index: number; chunkSize: number } | undefined;
  // an abort stops the read at once, even when nobody pulls again: the reader and its consumer go
  const onAbort = () => void reader?.close();
  const close = () => {
    signal?.removeEventListener("abort", onAbort);
    void reader?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      start() {
        signal?.addEventListener("abort", onAbort, { once: true });
      },
      async pull(controller) {
        try {
          if (signal?.aborted) throw new AbortedError("ABORTED", "get aborted", { cause: signal.reason });
          if (left === 0) {
            close();
            controller.close();
            return;
          }
          if (!reader) {
            const at = await locate(bucket, info, range.offset);
            skip = at.skip;
            if (at.chunkSize !== undefined && at.index !== undefined) uniform = { index: at.index, chunkSize: at.chunkSize };
            // with chunks of one size the count needed is known; else read ahead a little
            const needed = Math.ceil((range.length + skip) / (at.chunkSize ?? info.options?.max_chunk_size ?? 128 * 1024));
            const batch = Math.max(1, Math.min(64, needed));
            // over several connections when the count is known (chunks of one size), else one ordered reader
            reader = connections?.length && at.chunkSize
              ? parallelReader(bucket, connections, subject, needed, at.chunkSize, at.seq)
              : await ChunkReader.open(bucket.js, bucket.stream, subject,
                { batch, window: batch * 2, startSeq: at.seq, ...(at.chunkSize ? { maxMessages: needed } : {}) });
            if (signal?.aborted) throw new AbortedError("ABORTED", "get aborted", { cause: signal.reason });
          }
          const m = await reader.next();
          if (signal?.aborted) throw new AbortedError("ABORTED", "get aborted", { cause: signal.reason });
          if (!m) throw new IntegrityError("SIZE_MISMATCH", `${info.name}: the object's chunks end inside the range`);
          if (uniform) {
            const { index, chunkSize } = uniform;
            const want = index === info.chunks - 1 ? info.size - index * chunkSize : chunkSize;
            if (index >= info.chunks || m.data.length !== want) {
              throw new IntegrityError("SIZE_MISMATCH", `${info.name}: chunk ${index} has ${m.data.length} bytes, its meta says ${want}`);
            }
            uniform.index++;
          }
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
          if (err instanceof IntegrityError) throw await replacedOr(bucket, info, err);
          throw err instanceof ObjectStoreError ? err : fromNatsError(err, "read range");
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}
