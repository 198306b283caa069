/** Put: source -> chunker -> hasher -> windowed publisher -> meta, then the old version's chunks go. */
import type { Bucket } from "./bucket.js";
import { chunked } from "./core/chunker.js";
import { formatDigest } from "./core/digest.js";
import { AbortedError, ConflictError, IntegrityError, InvalidArgumentError, LinkError, ServerError } from "./core/errors.js";
import { checkMeta, encodeInfo, type ObjectInfo, type ObjectMeta } from "./core/meta.js";
import { chunkSubject, metaSubject, validateObjectName } from "./core/names.js";
import { newNuid } from "./core/nuid.js";
import { openSource } from "./core/source.js";
import { untilAborted } from "./core/abortable.js";
import type { PutOptions } from "./options.js";
import { defaultSha256 } from "./platform/fast-sha256.js";
import { WindowedPublisher } from "./transport/windowed-publisher.js";

/** The chunk size when none is given: 128 KiB, as the official clients use. */
export const DEFAULT_CHUNK_SIZE = 128 * 1024;
/** Room kept in each chunk message for its headers. */
const HEADER_ROOM = 1024;
/** Bytes of chunks in flight by default: past this, Node's RSS grows with garbage faster than speed does. */
const WINDOW_BYTES = 2 * 1024 * 1024;
/** How many times a put retries publishing its meta when another writer got there first. */
const META_RACE_RETRIES = 16;

/** Stores `source` as the new version of the object named in `meta`. */
export async function putObject(bucket: Bucket, meta: ObjectMeta, source: unknown, opts: PutOptions = {}): Promise<ObjectInfo> {
  const clean = checkMeta(meta);
  if (clean.options?.link) throw new LinkError("LINK_NOT_ALLOWED", "a put cannot store a link: use addLink or addBucketLink");
  validateObjectName(bucket.name, clean.name);
  const chunkSize = pickChunkSize(opts.chunkSize ?? clean.options?.max_chunk_size, bucket.js.maxPayload);
  if (opts.previousRevision !== undefined && (!Number.isSafeInteger(opts.previousRevision) || opts.previousRevision < 0)) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "previousRevision must be a whole number >= 0");
  }
  const opened = openSource(source);
  throwIfAborted(opts.signal);

  const old = await bucket.readInfo(clean.name);
  if (opts.previousRevision !== undefined && (old?.revision ?? 0) !== opts.previousRevision) {
    throw new ConflictError("REVISION_MISMATCH", `${clean.name} is at revision ${old?.revision ?? 0}, not ${opts.previousRevision}`);
  }
  const nuid = newNuid();
  const subject = chunkSubject(bucket.name, nuid);
  const publisher = new WindowedPublisher(bucket.js, subject, {
    window: opts.window ?? Math.max(4, Math.min(64, Math.floor(WINDOW_BYTES / chunkSize))),
    msgIdPrefix: nuid,
    signal: opts.signal,
  });
  const hasher = await (opts.hasher ?? defaultSha256)();
  let size = 0;
  let chunks = 0;
  let stored = false;
  try {
    const pieces = opts.signal ? untilAborted(opened.pieces, opts.signal) : opened.pieces;
    for await (const chunk of chunked(pieces, chunkSize)) {
      throwIfAborted(opts.signal);
      hasher.update(chunk);
      await publisher.publish(chunk);
      size += chunk.length;
      chunks++;
      opts.onProgress?.({ bytes: size, total: opened.size, chunks });
    }
    await publisher.flush();
    throwIfAborted(opts.signal);
    await checkStoredChunks(bucket, subject, chunks);
    const info: ObjectInfo = {
      ...clean,
      options: { max_chunk_size: chunkSize },
      bucket: bucket.name,
      nuid,
      size,
      chunks,
      digest: formatDigest(hasher.digest()),
      mtime: new Date().toISOString(),
      revision: 0,
    };
    const { revision, replaced } = await publishMeta(bucket, info, old, opts.previousRevision !== undefined);
    stored = true;
    if (replaced?.nuid && replaced.nuid !== nuid) {
      await bucket.js.purgeSubject(bucket.stream, chunkSubject(bucket.name, replaced.nuid), "purge old chunks").catch(() => undefined);
    }
    if (size === 0) opts.onProgress?.({ bytes: 0, total: 0, chunks: 0 });
    return { ...info, revision };
  } catch (err) {
    if (!stored) {
      await publisher.settled();
      await bucket.js.purgeSubject(bucket.stream, subject, "purge partial chunks").catch(() => undefined);
    }
    if (opts.signal?.aborted && !stored) throw new AbortedError("ABORTED", "put aborted", { cause: opts.signal.reason });
    throw err;
  }
}

/**
 * Publishes the meta with the subject rolled up, expecting the revision read before the put began. When
 * another writer stored a version meanwhile (and the caller gave no revision of its own), it reads the
 * new current version and tries again, so the version it replaces is always known and its chunks purged:
 * concurrent puts of one name leave exactly one version and no orphan chunks.
 */
async function publishMeta(
  bucket: Bucket,
  info: ObjectInfo,
  old: ObjectInfo | undefined,
  strict: boolean,
): Promise<{ revision: number; replaced: ObjectInfo | undefined }> {
  const subject = metaSubject(bucket.name, info.name);
  const payload = encodeInfo(info);
  let current = old;
  for (let attempt = 0; ; attempt++) {
    try {
      const ack = await bucket.js.publish(subject, payload,
        { rollupSubject: true, expectLastSubjectSeq: current?.revision ?? 0 }, "put object meta");
      return { revision: ack.seq, replaced: current };
    } catch (err) {
      if (err instanceof ServerError && err.code === "TIMEOUT") {
        // the meta may have been stored even though its ack was lost: look before giving up
        const now = await bucket.readInfo(info.name).catch(() => undefined);
        if (now?.nuid === info.nuid) return { revision: now.revision, replaced: current };
      }
      if (strict || !(err instanceof ConflictError) || attempt >= META_RACE_RETRIES) throw err;
      // the version we expected to replace is gone (its writer purged it): replace the new current one
      current = await bucket.readInfo(info.name);
    }
  }
}

/**
 * Counts the chunks the stream holds on the new subject before the meta makes them an object: a server
 * that lost acknowledged chunks (a crash before they reached disk) must not yield a corrupt object.
 */
async function checkStoredChunks(bucket: Bucket, subject: string, expected: number): Promise<void> {
  if (expected === 0) return;
  const stored = (await bucket.js.subjectCounts(bucket.stream, subject, "check chunks"))[subject] ?? 0;
  if (stored !== expected) {
    throw new IntegrityError("CHUNK_COUNT_MISMATCH", `put: the server holds ${stored} of ${expected} chunks sent`);
  }
}

function pickChunkSize(requested: unknown, maxPayload: number): number {
  if (requested === undefined) return Math.min(DEFAULT_CHUNK_SIZE, maxPayload - HEADER_ROOM);
  if (!Number.isSafeInteger(requested) || (requested as number) <= 0) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "chunkSize must be a positive whole number of bytes");
  }
  return Math.min(requested as number, maxPayload - HEADER_ROOM);
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError("ABORTED", "put aborted", { cause: signal.reason });
}
