/** Which publisher sends a put's chunks: fast batches where the bucket and server allow them, else a window. */
import type { Bucket } from "./bucket.js";
import { FastBatchPublisher } from "./transport/fast-batch-publisher.js";
import { WindowedPublisher, type WindowOptions } from "./transport/windowed-publisher.js";

/** What a put needs of a chunk publisher (both publishers have it). */
export type ChunkPublisher = Pick<WindowedPublisher, "publish" | "flush" | "close" | "settled" | "resendFrom" | "resent" | "throttled">;

/** The API level from which nats-server takes fast batches (ADR-50: 2.14+). */
export const FAST_BATCH_API_LEVEL = 4;

/** True when puts to `bucket` send their chunks as fast batches. */
export function usesFastBatch(bucket: Bucket): boolean {
  return bucket.allowBatched && bucket.js.apiLevel >= FAST_BATCH_API_LEVEL;
}

/**
 * A publisher of a put's chunks to `subject`: a {@link FastBatchPublisher} when the bucket was made with
 * `allowBatched` and the server has API level 4+, else a {@link WindowedPublisher}.
 */
export function chunkPublisher(bucket: Bucket, subject: string, opts: WindowOptions): ChunkPublisher {
  return usesFastBatch(bucket) ? new FastBatchPublisher(bucket.js, subject, opts) : new WindowedPublisher(bucket.js, subject, opts);
}
