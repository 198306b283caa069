/** The ObjectStore operations on one bucket: orchestration only; the work is in put, get, watch and core. */
import type { Bucket } from "./bucket.js";
import { toStatus, type ObjectStoreStatus } from "./core/bucket-config.js";
import { AbortedError, ConflictError, InvalidArgumentError, LinkError, NotFoundError } from "./core/errors.js";
import { checkMeta, encodeInfo, type ObjectInfo, type ObjectMeta } from "./core/meta.js";
import { chunkSubject, isValidNuid, metaSubject, validateBucketName, validateObjectName } from "./core/names.js";
import { purgeReplacedChunks } from "./chunk-purge.js";
import { DEFAULT_RECONNECT_WAIT_MS } from "./put.js";
import { outcomeUnknown, writeMeta } from "./meta-write.js";
import { newNuid } from "./core/nuid.js";
import { ObjectResult } from "./core/object-result.js";
import { checkGetInfoOptions, checkGetOptions, checkListOptions, checkPutFileOptions, checkRevisionOptions } from "./core/check-options.js";
import type { PutSource } from "./core/source.js";
import { objectBody } from "./get.js";
import type { GetInfoOptions, GetOptions, ListOptions, PutOptions, RevisionOptions, WatchOptions } from "./options.js";
import { putFileFrom, getFileTo, type FileSource, type FileTarget } from "./platform/files.js";
import { discardUpload, purgeOrphanChunks, type PurgeOrphansOptions, type PurgeOrphansResult } from "./maintenance.js";
import type { UploadCheckpoint } from "./core/upload-checkpoint.js";
import { putObject } from "./put.js";
import { rangeBody, type ByteRange } from "./range.js";
import { ObjectWatcher } from "./watch.js";

const utf8 = new TextEncoder();
/** How many times a meta write re-reads and retries when another writer changed the name first. */
const WRITE_RACE_RETRIES = 16;
/** How many links a get follows before it gives up with `LINK_CYCLE`. */
const MAX_LINK_HOPS = 8;

/** Opens other buckets, for links that point across buckets. */
export interface BucketOpener {
  objectStore(bucket: string): Promise<ObjectStore>;
}

/** A bucket of objects: put and get them, link, watch, list, seal. */
export class ObjectStore {
  /** @internal use {@link ObjectStoreManager.objectStore} or `createObjectStore` */
  constructor(
    private readonly b: Bucket,
    private readonly opener: BucketOpener,
  ) {}

  /** The bucket's name. */
  get bucket(): string {
    return this.b.name;
  }

  /**
   * Stores `source` as a new version of the object `meta.name`. The old version stays readable until the
   * new one is complete, and its chunks are purged after. On failure or abort nothing new is left behind.
   */
  put(meta: ObjectMeta, source: PutSource, opts?: PutOptions): Promise<ObjectInfo> {
    return putObject(this.b, meta, source, opts);
  }

  /** Stores bytes under `name`. */
  putBytes(name: string, data: Uint8Array, opts?: PutOptions): Promise<ObjectInfo> {
    return this.put({ name }, data, opts);
  }

  /** Stores a string (UTF-8) under `name`. */
  putString(name: string, data: string, opts?: PutOptions): Promise<ObjectInfo> {
    return this.put({ name }, utf8.encode(data), opts);
  }

  /**
   * Stores a file: a browser `File` (named by its name), or a path in Deno and Node (streamed from disk,
   * named by its base name). `meta` may override the name and add a description, headers, metadata.
   */
  async putFile(file: FileSource, opts?: PutOptions & { meta?: Partial<ObjectMeta> }): Promise<ObjectInfo> {
    const o = checkPutFileOptions(opts);
    const given = Object.fromEntries(Object.entries(o.meta ?? {}).filter(([, v]) => v !== undefined));
    return putFileFrom(file, (meta, source) => this.put({ ...meta, ...given } as ObjectMeta, source, o));
  }

  /**
   * Reads an object. Follows links (also into other buckets). The body streams and is verified as it goes.
   * Rejects with `OBJECT_NOT_FOUND` for a missing or deleted object, `LINK_IS_BUCKET` for a bucket link.
   */
  async get(name: string, opts?: GetOptions): Promise<ObjectResult> {
    return this.getFollowing(name, checkGetOptions(opts), 0);
  }

  /** @internal {@link get}, `hops` links deep: a link cycle (or a chain too long) is `LINK_CYCLE`. */
  async getFollowing(name: string, opts: GetOptions, hops: number): Promise<ObjectResult> {
    const info = await this.getInfo(name);
    const link = info.options?.link;
    if (link) {
      if (!link.name) throw new LinkError("LINK_IS_BUCKET", `${name} links to a whole bucket; open it with objectStore("${link.bucket}")`);
      if (hops >= MAX_LINK_HOPS) throw new LinkError("LINK_CYCLE", `${name}: more than ${MAX_LINK_HOPS} links in a row (a link cycle?)`);
      if (opts.signal?.aborted) throw new AbortedError("ABORTED", "get aborted", { cause: opts.signal.reason });
      const target = link.bucket === this.bucket ? this : await this.opener.objectStore(link.bucket);
      return target.getFollowing(link.name, opts, hops + 1);
    }
    const range = pickRange(info.size, opts.offset, opts.length);
    if (range) return new ObjectResult(info, rangeBody(this.b, info, range, opts.signal, opts.connections), range);
    return new ObjectResult(info, objectBody(this.b, info, opts));
  }

  /** Reads an object into one byte array. */
  async getBytes(name: string, opts?: GetOptions): Promise<Uint8Array> {
    return (await this.get(name, opts)).bytes();
  }

  /** Reads an object as UTF-8 text. */
  async getString(name: string, opts?: GetOptions): Promise<string> {
    return (await this.get(name, opts)).text();
  }

  /**
   * Writes an object to a file: a path in Deno and Node (written to a temporary name, renamed on success,
   * so a failed or corrupt read never leaves a partial file), a `FileSystemFileHandle` or a `WritableStream`.
   */
  async getFile(name: string, target: FileTarget, opts?: GetOptions): Promise<ObjectInfo> {
    const result = await this.get(name, opts);
    await getFileTo(result.body, target);
    return result.info;
  }

  /** The current info of an object. Deleted objects are `OBJECT_NOT_FOUND` unless `showDeleted`. */
  async getInfo(name: string, options?: GetInfoOptions): Promise<ObjectInfo> {
    const opts = checkGetInfoOptions(options);
    validateObjectName(this.bucket, name, false);
    const info = await this.b.readInfo(name);
    if (!info || (info.deleted && !opts.showDeleted)) throw notFound(name);
    return info;
  }

  /**
   * Changes an object's name, description, headers or metadata (its data stays). Renaming onto an
   * existing object is `OBJECT_ALREADY_EXISTS`; updating a deleted object is `UPDATE_DELETED`.
   * Every write is conditional on the revision it read; without `previousRevision`, a version written
   * meanwhile by someone else is read again and the update applied to it.
   *
   * A rename first replaces the old name's meta with a delete marker (on the condition that the old name
   * is unchanged), then writes the new name (on the condition that it is still free), so two live names
   * never share one version's chunks; when the new name was taken meanwhile, the old meta is put back.
   * Watchers see the old name deleted and the new one arrive with the same `nuid` (see docs/protocol.md).
   */
  async updateMeta(name: string, meta: ObjectMeta, options?: RevisionOptions): Promise<ObjectInfo> {
    const opts = checkRevisionOptions(options, "updateMeta");
    validateObjectName(this.bucket, name);
    const clean = checkMeta(meta);
    validateObjectName(this.bucket, clean.name);
    for (let attempt = 0; ; attempt++) {
      const info = await this.b.readInfo(name, { fresh: true });
      if (!info) throw notFound(name);
      if (info.deleted) throw new ConflictError("UPDATE_DELETED", `cannot update the meta of deleted object ${name}`);
      checkRevision(info, opts.previousRevision);
      const updated: ObjectInfo = {
        ...info,
        name: clean.name,
        description: clean.description,
        headers: clean.headers,
        metadata: clean.metadata,
        mtime: new Date().toISOString(),
      };
      try {
        const revision = clean.name === name
          ? await writeMeta(this.b, this.b.subjectOf(info), encodeInfo(updated), info.revision, DEFAULT_RECONNECT_WAIT_MS, "update object meta")
          : await this.rename(info, updated);
        return { ...updated, revision };
      } catch (err) {
        if (!retryable(err, opts.previousRevision, attempt)) throw err;
      }
    }
  }

  /**
   * Moves `info` to `updated.name`: a delete marker on the old name, then the meta on the new one; a
   * definite failure of the second puts the old meta back. Returns the new meta's revision.
   */
  private async rename(info: ObjectInfo, updated: ObjectInfo): Promise<number> {
    const target = await this.b.readInfo(updated.name, { fresh: true });
    if (target && !target.deleted) throw new ConflictError("OBJECT_ALREADY_EXISTS", `an object named ${updated.name} already exists`);
    const oldSubject = this.b.subjectOf(info);
    const markerSeq = await writeMeta(this.b, oldSubject, encodeInfo(deleteMarker(info)), info.revision, DEFAULT_RECONNECT_WAIT_MS, "rename: retire old name");
    try {
      const newSubject = metaSubject(this.bucket, updated.name);
      return await writeMeta(this.b, newSubject, encodeInfo(updated), this.b.expectedOn(newSubject, target),
        DEFAULT_RECONNECT_WAIT_MS, "rename: write new name");
    } catch (err) {
      // the new name may hold the object: the marker must stay, the chunks are referenced either way
      if (outcomeUnknown(err)) throw err;
      await this.restoreAfterFailedRename(info, oldSubject, markerSeq);
      const now = await this.b.readInfo(updated.name, { fresh: true });
      if (now && !now.deleted) throw new ConflictError("OBJECT_ALREADY_EXISTS", `an object named ${updated.name} already exists`);
      throw err;
    }
  }

  /**
   * Puts the old meta back over the rename's marker. When the old name was written meanwhile, no meta
   * names the old version any more, so its chunks are purged.
   */
  private async restoreAfterFailedRename(info: ObjectInfo, oldSubject: string, markerSeq: number): Promise<void> {
    try {
      await writeMeta(this.b, oldSubject, encodeInfo(info), markerSeq, DEFAULT_RECONNECT_WAIT_MS, "rename: restore old name");
    } catch (err) {
      if (!(err instanceof ConflictError && err.code === "REVISION_MISMATCH")) throw err;
      // written meanwhile (a put, a link, or a delete over the marker): no live meta names the old version
      const now = await this.b.readInfo(info.name, { fresh: true });
      if (!now || now.deleted || now.nuid !== info.nuid) await purgeReplacedChunks(this.b, info);
    }
  }

  /**
   * Deletes an object: a delete marker replaces its meta, then its chunks are purged. Missing:
   * `OBJECT_NOT_FOUND`. Without `previousRevision`, a version written meanwhile is deleted instead.
   * A name that holds a delete marker gets a new one: the marker may be a rename's, which a failing
   * rename takes back, and the delete must win over that.
   * In a bucket full to its `maxBytes`, where even the marker does not fit, the chunks are purged first.
   */
  async delete(name: string, options?: RevisionOptions): Promise<void> {
    const opts = checkRevisionOptions(options, "delete");
    validateObjectName(this.bucket, name);
    let freed = false;
    for (let attempt = 0; ; attempt++) {
      const info = await this.b.readInfo(name, { fresh: true });
      if (!info) throw notFound(name);
      checkRevision(info, opts.previousRevision);
      const subject = this.b.subjectOf(info);
      try {
        await writeMeta(this.b, subject, encodeInfo(deleteMarker(info)), info.revision, DEFAULT_RECONNECT_WAIT_MS, "delete object");
        await purgeReplacedChunks(this.b, info);
        return;
      } catch (err) {
        if (err instanceof ConflictError && err.code === "BUCKET_FULL") {
          if (info.deleted) return; // deleted already; a rename's marker names live chunks: purge nothing
          if (freed) {
            // not even the marker fits: remove the meta itself, but no version written after the one read
            await this.b.js.purgeSubject(this.b.stream, subject, "delete object in a full bucket", info.revision + 1);
            return;
          }
          freed = true;
          if (!info.options?.link && isValidNuid(info.nuid)) {
            await this.b.js.purgeSubject(this.b.stream, chunkSubject(this.bucket, info.nuid), "free a full bucket");
          }
          continue;
        }
        if (!retryable(err, opts.previousRevision, attempt)) throw err;
      }
    }
  }

  /**
   * Adds `name` as a link to the object `target` (in this bucket or another). Links to links or to deleted
   * objects are refused; it may replace a link or a deleted object, never a live object.
   */
  async addLink(name: string, target: ObjectInfo): Promise<ObjectInfo> {
    validateObjectName(this.bucket, name);
    if (typeof target !== "object" || target === null || typeof target.name !== "string" || typeof target.bucket !== "string") {
      throw new InvalidArgumentError("INVALID_ARGUMENT", "addLink needs the ObjectInfo of the object to link to");
    }
    if (target.name === "") throw new InvalidArgumentError("INVALID_ARGUMENT", "addLink needs an object to link to (use addBucketLink for a bucket)");
    validateBucketName(target.bucket);
    validateObjectName(target.bucket, target.name, false);
    if (target.deleted) throw new LinkError("LINK_TO_DELETED", `cannot link to deleted object ${target.name}`);
    if (target.options?.link) throw new LinkError("LINK_TO_LINK", `cannot link to ${target.name}: it is a link`);
    return this.writeLink(name, { bucket: target.bucket, name: target.name });
  }

  /** Adds `name` as a link to a whole bucket. */
  async addBucketLink(name: string, store: ObjectStore | { bucket: string }): Promise<ObjectInfo> {
    validateObjectName(this.bucket, name);
    if (typeof store !== "object" || store === null || typeof store.bucket !== "string") {
      throw new InvalidArgumentError("INVALID_ARGUMENT", "addBucketLink needs an object store");
    }
    validateBucketName(store.bucket);
    return this.writeLink(name, { bucket: store.bucket });
  }

  private async writeLink(name: string, link: { bucket: string; name?: string }): Promise<ObjectInfo> {
    for (let attempt = 0; ; attempt++) {
      const existing = await this.b.readInfo(name, { fresh: true });
      if (existing && !existing.deleted && !existing.options?.link) {
        throw new ConflictError("OBJECT_ALREADY_EXISTS", `an object named ${name} already exists`);
      }
      const info: ObjectInfo = {
        name,
        bucket: this.bucket,
        nuid: newNuid(),
        size: 0,
        chunks: 0,
        mtime: new Date().toISOString(),
        options: { link },
        revision: 0,
      };
      try {
        const subject = metaSubject(this.bucket, name);
        const revision = await writeMeta(this.b, subject, encodeInfo(info), this.b.expectedOn(subject, existing),
          DEFAULT_RECONNECT_WAIT_MS, "add link");
        return { ...info, revision };
      } catch (err) {
        if (!retryable(err, undefined, attempt)) throw err;
      }
    }
  }

  /**
   * Seals the bucket: from now on every write fails with `BUCKET_SEALED`. The server clears the bucket's
   * TTL when it seals it (objects are then kept for ever).
   */
  async seal(): Promise<void> {
    const si = await this.b.js.streamInfo(this.b.stream, "seal bucket");
    if (si.config.sealed) return;
    await this.b.js.updateStream({ ...si.config, sealed: true }, "seal bucket");
  }

  /** The bucket's status. */
  async status(): Promise<ObjectStoreStatus> {
    return toStatus(this.bucket, await this.b.js.streamInfo(this.b.stream, "bucket status"));
  }

  /** Watches the bucket's objects: their current state, then every change. */
  watch(opts?: WatchOptions): Promise<ObjectWatcher> {
    return ObjectWatcher.open(this.b, opts);
  }

  /**
   * Maintenance: purges chunks no meta refers to (left by writers that crashed mid-put), once they have
   * been still for `minAgeMs` (default 24 hours, so running or resumable uploads are left alone).
   */
  purgeOrphanChunks(opts?: PurgeOrphansOptions): Promise<PurgeOrphansResult> {
    return purgeOrphanChunks(this.b, opts);
  }

  /**
   * Purges the chunks of an abandoned resumable put, given its last checkpoint (`PutOptions.onCheckpoint`),
   * at once instead of waiting for `purgeOrphanChunks`. Nothing is purged when a live object uses those
   * chunks (the put finished after all). Resolves with the chunk messages purged; a checkpoint of another
   * bucket is `RESUME_MISMATCH`. Do not call it while a put resumes from the same checkpoint.
   */
  discardUpload(checkpoint: UploadCheckpoint): Promise<number> {
    return discardUpload(this.b, checkpoint);
  }

  /** The bucket's objects (live ones; delete markers too with `includeDeleted`). An empty bucket gives `[]`. */
  async list(options?: ListOptions): Promise<ObjectInfo[]> {
    const opts = checkListOptions(options);
    const infos = await this.b.latestInfos(opts.onBadMeta);
    return opts.includeDeleted ? infos : infos.filter((info) => !info.deleted);
  }

}

function notFound(name: string): NotFoundError {
  return new NotFoundError("OBJECT_NOT_FOUND", `object not found: ${name}`);
}

/** The range to read, or `undefined` for the whole object. */
function pickRange(size: number, offset: unknown, length: unknown): ByteRange | undefined {
  if (offset === undefined && length === undefined) return undefined;
  const ok = (v: unknown) => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);
  if (!ok(offset) || !ok(length)) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "offset and length must be whole numbers >= 0");
  }
  const start = Math.min((offset as number | undefined) ?? 0, size);
  const len = Math.min((length as number | undefined) ?? size - start, size - start);
  if (start === 0 && len === size) return undefined;
  return { offset: start, length: len };
}

/** The delete marker that replaces `info`: its nuid kept (as every client does), no size, chunks or digest. */
function deleteMarker(info: ObjectInfo): ObjectInfo {
  return { ...info, size: 0, chunks: 0, digest: undefined, deleted: true, mtime: new Date().toISOString() };
}

/**
 * True when a meta write lost a race to another writer and may be tried again on what the name holds
 * now: only without a caller's own `previousRevision`, and a bounded number of times.
 */
function retryable(err: unknown, previousRevision: number | undefined, attempt: number): boolean {
  return err instanceof ConflictError && err.code === "REVISION_MISMATCH" && previousRevision === undefined &&
    attempt < WRITE_RACE_RETRIES;
}

function checkRevision(info: ObjectInfo, expected: number | undefined): void {
  if (expected !== undefined && info.revision !== expected) {
    throw new ConflictError("REVISION_MISMATCH", `${info.name} is at revision ${info.revision}, not ${expected}`);
  }
}
