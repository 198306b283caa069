/**
 * Put: source -> chunker -> hasher -> windowed publisher -> meta, then the old version's chunks go.
 * A lost connection pauses the put until the client reconnects; a checkpoint lets a later put go on.
 */
import type { Bucket } from "./bucket.js";
import { chunked } from "./core/chunker.js";
import { formatDigest } from "./core/digest.js";
import { AbortedError, ConflictError, IntegrityError, InvalidArgumentError, LinkError } from "./core/errors.js";
import { purgeChunks, purgeReplacedChunks } from "./chunk-purge.js";
import { outcomeUnknown, writeMeta } from "./meta-write.js";
import { ChunkReader } from "./transport/chunk-reader.js";
import { CallbackError, checkPutOptions } from "./core/check-options.js";
import { checkMeta, encodeInfo, type ObjectInfo, type ObjectMeta } from "./core/meta.js";
import { chunkSubject, metaSubject, validateObjectName } from "./core/names.js";
import { newNuid } from "./core/nuid.js";
import { openSource } from "./core/source.js";
import { untilAborted } from "./core/abortable.js";
import type { PutOptions } from "./options.js";
import { defaultSha256 } from "./platform/fast-sha256.js";
import { chunkPublisher, type ChunkPublisher } from "./chunk-publisher.js";
import { isTransient } from "./transport/errors.js";
import { countStoredChunks, storedRun, verifyStoredRun, whenReachable } from "./stored-chunks.js";
import { checkCheckpoint, type UploadCheckpoint } from "./core/upload-checkpoint.js";
import type { HasherFactory } from "./core/sha256.js";

/** The chunk size when none is given: 128 KiB, as the official clients use. */
export const DEFAULT_CHUNK_SIZE = 128 * 1024;
/** Room kept in each chunk message for its headers. */
const HEADER_ROOM = 1024;
/** Bytes of chunks in flight by default: past this, Node's RSS grows with garbage faster than speed does. */
const WINDOW_BYTES = 2 * 1024 * 1024;
/** How many times a put retries publishing its meta when another writer got there first. */
const META_RACE_RETRIES = 16;
/** How long a put waits by default for a lost connection to come back before it fails. */
export const DEFAULT_RECONNECT_WAIT_MS = 30_000;
/** Recoveries in a row that found no more chunks stored, after which a put gives up. */
const MAX_STALLS = 3;

/** Stores `source` as the new version of the object named in `meta`. */
export async function putObject(bucket: Bucket, meta: ObjectMeta, source: unknown, options?: PutOptions): Promise<ObjectInfo> {
  const opts = checkPutOptions(options);
  const clean = checkMeta(meta);
  if (clean.options?.link) throw new LinkError("LINK_NOT_ALLOWED", "a put cannot store a link: use addLink or addBucketLink");
  validateObjectName(bucket.name, clean.name);
  const resume = opts.resumeFrom === undefined ? undefined : checkCheckpoint(opts.resumeFrom, bucket.name, clean.name);
  const chunkSize = pickChunkSize(resume?.chunkSize ?? opts.chunkSize ?? clean.options?.max_chunk_size, bucket.js.maxPayload);
  if (resume && chunkSize !== resume.chunkSize) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", `resumeFrom: chunk size ${resume.chunkSize} is above the server's max_payload`);
  }
  checkMetaFits(bucket, clean, chunkSize);
  const opened = openSource(source);
  if (resume?.total !== undefined && opened.size !== undefined && resume.total !== opened.size) {
    throw new InvalidArgumentError("RESUME_MISMATCH", `the source has ${opened.size} bytes, the interrupted put had ${resume.total}`);
  }
  throwIfAborted(opts.signal);
  const reconnectWait = opts.reconnectWaitMs ?? DEFAULT_RECONNECT_WAIT_MS;
  const resumable = resume !== undefined || opts.onCheckpoint !== undefined;

  const old = await whenReachable(bucket, () => bucket.readInfo(clean.name, { fresh: true }), reconnectWait, opts.signal);
  if (opts.previousRevision !== undefined && (old?.revision ?? 0) !== opts.previousRevision) {
    throw new ConflictError("REVISION_MISMATCH", `${clean.name} is at revision ${old?.revision ?? 0}, not ${opts.previousRevision}`);
  }
  const { nuid, already } = resume ? await resumePoint(bucket, resume, reconnectWait, opts.signal) : { nuid: newNuid(), already: 0 };
  const subject = chunkSubject(bucket.name, nuid);
  const startedAt = resume?.startedAt ?? new Date().toISOString();
  const newFactory = opts.hasher ?? defaultSha256;
  const hasher = await newFactory();
  let digested = false;
  let firstChunkDigest = already > 0 ? resume?.firstChunkDigest : undefined;
  let size = 0;
  let chunks = 0;
  let stored = false;
  // the publisher calls onAcked from its ack handler: what onCheckpoint throws fails the put at its next step
  let checkpointFailure: unknown;
  // once the meta publish fails with its outcome unknown, nothing may be purged: it may yet be the object
  let metaMaybeStored = false;
  const publisher = chunkPublisher(bucket, subject, {
    window: opts.window ?? Math.max(4, Math.min(64, Math.floor(WINDOW_BYTES / chunkSize))),
    msgIdPrefix: nuid,
    firstIndex: already,
    ...(already > 0 ? { msgIdTag: newNuid().slice(-8) } : {}),
    signal: opts.signal,
    onAcked: (acked) => {
      try {
        opts.onCheckpoint?.({
          version: 1, bucket: bucket.name, name: clean.name, nuid, chunkSize, chunks: acked,
          bytes: Math.min(acked * chunkSize, size), firstChunkDigest: firstChunkDigest ?? "", startedAt,
          ...(opened.size === undefined ? {} : { total: opened.size }),
        });
      } catch (err) {
        checkpointFailure ??= err;
      }
    },
  });
  const resilient = recovery(bucket, publisher, subject, nuid, reconnectWait, opts.signal);
  const resumedFrom = already > 0 ? Math.min(already * chunkSize, opened.size ?? Infinity) : undefined;
  const progress = () => {
    if (checkpointFailure) throw checkpointFailure;
    opts.onProgress?.({
      bytes: size, total: opened.size, chunks, ...(resumedFrom === undefined ? {} : { resumedFrom }),
    });
  };
  const storedPrefix = already > 0 ? await ChunkReader.open(bucket.js, bucket.stream, subject, { batch: 16, window: 32, maxMessages: already }) : undefined;
  try {
    const pieces = opts.signal ? untilAborted(opened.pieces, opts.signal) : opened.pieces;
    for await (const chunk of chunked(pieces, chunkSize)) {
      throwIfAborted(opts.signal);
      if (chunks === 0 && resumable) {
        const first = await digestOf(newFactory, chunk);
        if (firstChunkDigest !== undefined && first !== firstChunkDigest) {
          throw new InvalidArgumentError("RESUME_MISMATCH", "the source does not start with the bytes the interrupted put sent");
        }
        firstChunkDigest = first;
      }
      // a resumed put hashes the chunks the server holds already, and sends the rest; a chunk is hashed
      // after it is handed to the socket, so hashing fills the wait for the window's acks
      if (chunks >= already) await resilient(() => publisher.publish(chunk));
      else await sameAsStored(storedPrefix, chunk, chunks);
      const hashing = hasher.update(chunk); // a hash in a Worker may ask the put to wait for it
      if (hashing) await hashing;
      size += chunk.length;
      chunks++;
      progress();
    }
    if (chunks < already) {
      throw new InvalidArgumentError("RESUME_MISMATCH", `the source ends after ${chunks} chunks; the server holds ${already}`);
    }
    await resilient(() => publisher.flush());
    if (checkpointFailure) throw checkpointFailure;
    throwIfAborted(opts.signal);
    if (publisher.resent || already > 0) {
      await verifyStoredRun(bucket, subject, nuid, chunks, size);
    } else {
      // a server that lost acknowledged chunks (a crash before they reached disk) must not yield a corrupt object
      const held = await countStoredChunks(bucket, subject);
      if (held !== chunks) throw new IntegrityError("CHUNK_COUNT_MISMATCH", `put: the server holds ${held} of ${chunks} chunks sent`);
    }
    const digest = formatDigest(await hasher.digest());
    digested = true;
    const info: ObjectInfo = {
      ...clean,
      options: { max_chunk_size: chunkSize },
      bucket: bucket.name,
      nuid,
      size,
      chunks,
      digest,
      mtime: new Date().toISOString(),
      revision: 0,
    };
    if (size === 0) progress(); // an empty source reports once, before the meta makes it an object
    const { revision, replaced } = await publishMeta(bucket, info, old, opts.previousRevision !== undefined, reconnectWait)
      .catch((err: unknown) => {
        metaMaybeStored = outcomeUnknown(err);
        throw err;
      });
    stored = true;
    await retireLegacyMeta(bucket, replaced);
    await purgeReplacedChunks(bucket, replaced, nuid);
    return { ...info, revision };
  } catch (err) {
    if (!stored && !metaMaybeStored) {
      await publisher.settled();
      // a resumable put keeps what the server acknowledged, unless cancelled or the chunks are unusable
      const keep = resumable && !opts.signal?.aborted && !(err instanceof IntegrityError) && !(err instanceof CallbackError);
      if (!keep) await purgeChunks(bucket, subject, "purge partial chunks");
    }
    if (opts.signal?.aborted && !stored) throw new AbortedError("ABORTED", "put aborted", { cause: opts.signal.reason });
    throw err;
  } finally {
    if (!digested) hasher.dispose?.();
    publisher.close();
    await storedPrefix?.close();
  }
}

/**
 * A resumed put hashes the chunks the server holds instead of sending them, so it first proves they
 * are the source's bytes: a source that kept its first chunk and size but changed in between must not
 * become an object whose stored bytes differ from its digest (`RESUME_MISMATCH`, the chunks kept).
 */
async function sameAsStored(held: ChunkReader | undefined, chunk: Uint8Array, index: number): Promise<void> {
  const m = await held?.next();
  if (!m || m.data.length !== chunk.length || !m.data.every((b, i) => b === chunk[i])) {
    throw new InvalidArgumentError("RESUME_MISMATCH", `the source differs from the interrupted put's chunk ${index} on the server`);
  }
}

/**
 * A put that replaced a version another client stored under a legacy encoding of the name wrote its
 * meta under the standard one: the legacy meta goes (only up to the revision replaced), so one name
 * never shows two versions.
 */
async function retireLegacyMeta(bucket: Bucket, replaced: ObjectInfo | undefined): Promise<void> {
  if (!replaced) return;
  const legacy = bucket.subjectOf(replaced);
  if (legacy === metaSubject(bucket.name, replaced.name)) return;
  await bucket.js.purgeSubject(bucket.stream, legacy, "retire legacy meta", replaced.revision + 1).catch(() => undefined);
}

/**
 * Refuses, before any chunk is sent, a meta that could never be stored: its JSON (with the largest
 * size, chunk count and digest a put can add) must fit the server's max_payload.
 */
function checkMetaFits(bucket: Bucket, meta: ObjectMeta, chunkSize: number): void {
  const probe = encodeInfo({
    ...meta, options: { max_chunk_size: chunkSize }, bucket: bucket.name, nuid: newNuid(), size: Number.MAX_SAFE_INTEGER,
    chunks: Number.MAX_SAFE_INTEGER, digest: `SHA-256=${"A".repeat(44)}`, mtime: new Date().toISOString(),
  });
  if (probe.length > bucket.js.maxPayload - HEADER_ROOM) {
    throw new InvalidArgumentError("META_TOO_LARGE",
      `the object's meta (${probe.length} bytes of JSON) does not fit the server's max_payload of ${bucket.js.maxPayload} bytes`);
  }
}

/**
 * Where a put resumed from a checkpoint starts: the run of chunks the server holds on the checkpoint's
 * subject. When there are none (purged as orphans meanwhile), the put starts over on a new subject.
 */
async function resumePoint(
  bucket: Bucket,
  cp: UploadCheckpoint,
  reconnectWait: number,
  signal: AbortSignal | undefined,
): Promise<{ nuid: string; already: number }> {
  const subject = chunkSubject(bucket.name, cp.nuid);
  const already = await whenReachable(bucket, () => storedRun(bucket, subject, cp.nuid), reconnectWait, signal);
  return already > 0 ? { nuid: cp.nuid, already } : { nuid: newNuid(), already: 0 };
}

/**
 * Wraps the publisher's calls so that a lost connection does not fail the put: when a publish fails
 * transiently, it waits for every publish to settle and for the server to answer again (up to
 * `reconnectWait` ms), asks it how many chunks it holds, sends again the kept chunks past those, and
 * retries the call. Gives up with the original error after {@link MAX_STALLS} recoveries in a row that
 * found no more chunks stored than the one before.
 */
function recovery(
  bucket: Bucket,
  publisher: ChunkPublisher,
  subject: string,
  nuid: string,
  reconnectWait: number,
  signal: AbortSignal | undefined,
): (op: () => Promise<void>) => Promise<void> {
  let lastRun = -1;
  let stalls = 0;
  return async (op) => {
    for (;;) {
      try {
        return await op();
      } catch (err) {
        if (!isTransient(err) || reconnectWait <= 0 || signal?.aborted) throw err;
        await publisher.settled();
        const run = await whenReachable(bucket, () => storedRun(bucket, subject, nuid), reconnectWait, signal, true)
          .catch((e: unknown) => { throw isTransient(e) ? err : e; });
        stalls = run > lastRun ? 0 : stalls + 1;
        if (stalls >= MAX_STALLS) throw err;
        lastRun = run;
        publisher.resendFrom(run);
      }
    }
  };
}

/** The wire digest of one chunk. */
async function digestOf(newHasher: HasherFactory, chunk: Uint8Array): Promise<string> {
  const h = await newHasher();
  await h.update(chunk);
  return formatDigest(await h.digest());
}

/**
 * Writes the put's meta on the condition that the name is still at the revision read before the put
 * began. When another writer stored a version meanwhile (and the caller gave no revision of its own), it
 * reads the new current version and tries again on that, so the version it replaces, whose chunks it
 * then purges, is always the one the stored meta replaced: concurrent puts of one name leave exactly one
 * version and no orphan chunks. A lost acknowledgement is resolved by {@link writeMeta}.
 */
async function publishMeta(
  bucket: Bucket,
  info: ObjectInfo,
  old: ObjectInfo | undefined,
  strict: boolean,
  reconnectWait: number,
): Promise<{ revision: number; replaced: ObjectInfo | undefined }> {
  const subject = metaSubject(bucket.name, info.name);
  const payload = encodeInfo(info);
  let current = old;
  for (let attempt = 0; ; attempt++) {
    try {
      const revision = await writeMeta(bucket, subject, payload, bucket.expectedOn(subject, current), reconnectWait, "put object meta");
      return { revision, replaced: current };
    } catch (err) {
      if (strict || !(err instanceof ConflictError && err.code === "REVISION_MISMATCH") || attempt >= META_RACE_RETRIES) throw err;
      current = await bucket.readInfo(info.name, { fresh: true });
    }
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
