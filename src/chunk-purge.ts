/**
 * Purging a version's chunks: only ever a nuid a stored meta write replaced (or a put's own chunks that
 * no meta names), and, when the server cannot be reached, again once it can.
 */
import type { Bucket } from "./bucket.js";
import type { ObjectInfo } from "./core/meta.js";
import { chunkSubject, isValidNuid } from "./core/names.js";
import { isTransient } from "./transport/errors.js";
import { whenReachable } from "./stored-chunks.js";

/**
 * How long a purge that failed on a lost connection keeps trying in the background (it stops at once
 * when the connection is closed for good). Past it, `purgeOrphanChunks` finds the chunks.
 */
const DEFERRED_PURGE_WAIT_MS = 10 * 60_000;

/**
 * Purges the chunks of `replaced`, the version a meta write that is known to be stored replaced. A
 * delete marker's chunks went with its delete, a link has none, and a nuid that is not a plain token
 * (a forged meta) is never put into a purge.
 */
export async function purgeReplacedChunks(bucket: Bucket, replaced: ObjectInfo | undefined, keepNuid?: string): Promise<void> {
  if (!replaced || replaced.deleted || replaced.options?.link) return;
  if (!isValidNuid(replaced.nuid) || replaced.nuid === keepNuid) return;
  await purgeChunks(bucket, chunkSubject(bucket.name, replaced.nuid), "purge old chunks");
}

/**
 * Purges one chunk subject. Failures never fail the caller (the write it cleans up after has already
 * succeeded or failed on its own); a purge the server could not be asked for now is retried in the
 * background until it can.
 */
export async function purgeChunks(bucket: Bucket, subject: string, what: string): Promise<void> {
  const purge = () => bucket.js.purgeSubject(bucket.stream, subject, what);
  try {
    await purge();
  } catch (err) {
    if (isTransient(err) && !bucket.js.nc.isClosed()) {
      void whenReachable(bucket, purge, DEFERRED_PURGE_WAIT_MS).catch(() => undefined);
    }
  }
}
