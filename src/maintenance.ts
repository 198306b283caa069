/** Maintenance: finding and purging chunks that no meta points at (left by crashed writers). */
import type { Bucket } from "./bucket.js";
import { allChunkSubjects, chunkSubject } from "./core/names.js";
import { checkCheckpoint, type UploadCheckpoint } from "./core/upload-checkpoint.js";

/**
 * The default age (24 hours) past which chunks no meta names count as orphans. An interrupted
 * resumable put stays resumable this long after its last chunk (see `PutOptions.resumeFrom`).
 */
export const DEFAULT_ORPHAN_MIN_AGE_MS = 24 * 60 * 60 * 1000;

/** Options of {@link purgeOrphanChunks}. */
export interface PurgeOrphansOptions {
  /**
   * Leave chunk subjects whose newest chunk is younger than this (ms; default
   * {@link DEFAULT_ORPHAN_MIN_AGE_MS}, 24 hours): a put still running, or an interrupted upload that may
   * yet resume, is never touched.
   */
  minAgeMs?: number;
  /** Report what would be purged without purging. */
  dryRun?: boolean;
}

/** What a purge found. */
export interface PurgeOrphansResult {
  /** The orphaned chunk subjects' nuids (purged unless `dryRun`). */
  nuids: string[];
  /** Chunk messages they held. */
  messages: number;
}

/**
 * Purges chunk subjects that no meta refers to and that have been still for `minAgeMs`. Chunks of live
 * objects, of delete markers' objects and of links are never touched: every meta in the bucket (deleted
 * or not) is read first, and only a chunk subject named by none of them is an orphan.
 */
export async function purgeOrphanChunks(bucket: Bucket, opts: PurgeOrphansOptions = {}): Promise<PurgeOrphansResult> {
  const minAge = opts.minAgeMs ?? DEFAULT_ORPHAN_MIN_AGE_MS;
  const chunkSubjects = await bucket.js.subjectCounts(bucket.stream, allChunkSubjects(bucket.name), "find chunks");
  if (Object.keys(chunkSubjects).length === 0) return { nuids: [], messages: 0 };

  const referenced = await referencedNuids(bucket);
  const prefix = allChunkSubjects(bucket.name).slice(0, -1);
  const now = Date.now();
  const candidates: [string, string, number][] = [];
  for (const [subject, count] of Object.entries(chunkSubjects)) {
    const nuid = subject.slice(prefix.length);
    if (referenced.has(nuid)) continue;
    const last = await bucket.js.lastMessage(bucket.stream, subject, bucket.allowDirect, "find chunks");
    if (last && now - Date.parse(last.time) >= minAge) candidates.push([nuid, subject, count]);
  }
  if (candidates.length === 0) return { nuids: [], messages: 0 };
  // read the metas again: a put that finished during the scan now refers to its chunks
  const stillReferenced = await referencedNuids(bucket);
  const result: PurgeOrphansResult = { nuids: [], messages: 0 };
  for (const [nuid, subject, count] of candidates) {
    if (stillReferenced.has(nuid)) continue;
    result.nuids.push(nuid);
    result.messages += count;
    if (!opts.dryRun) await bucket.js.purgeSubject(bucket.stream, subject, "purge orphan chunks");
  }
  return result;
}

/**
 * Purges the chunks an unfinished put left, given its checkpoint: the upload was abandoned, and nothing
 * will resume it (an upload widget's file was removed). Nothing is purged when a live meta names the
 * put's chunks (the put finished after all, perhaps renamed since). Resolves with the chunk messages
 * purged. A checkpoint of another bucket is `RESUME_MISMATCH`, a malformed one `INVALID_ARGUMENT`.
 * Do not call it while a put resumes from the same checkpoint.
 */
export async function discardUpload(bucket: Bucket, checkpoint: UploadCheckpoint): Promise<number> {
  const cp = checkCheckpoint(checkpoint, bucket.name, (checkpoint as Partial<UploadCheckpoint> | null)?.name ?? "", "discardUpload");
  const subject = chunkSubject(bucket.name, cp.nuid);
  const held = (await bucket.js.subjectCounts(bucket.stream, subject, "discard upload"))[subject] ?? 0;
  if (held === 0 || (await referencedNuids(bucket)).has(cp.nuid)) return 0;
  await bucket.js.purgeSubject(bucket.stream, subject, "discard upload");
  return held;
}

/**
 * The nuids the bucket's live metas (objects and links) name. A delete marker keeps its object's nuid,
 * but its chunks went with the delete: chunks only a marker names are left by a delete whose purge never
 * ran (its outcome was unknown), and are orphans like any other.
 */
async function referencedNuids(bucket: Bucket): Promise<Set<string>> {
  return new Set((await bucket.latestInfos()).filter((info) => !info.deleted).map((info) => info.nuid));
}
