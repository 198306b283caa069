/**
 * `nats-objectstore-web/uppy`: an Uppy (6.x) uploader plugin that puts each file into a NATS object
 * store bucket. It emits what Uppy's own uploaders emit (`upload-start`, `upload-progress` in
 * acknowledged bytes, `upload-success` with the object's info, `upload-error`), uploads `limit` files
 * at once, and is resumable: pause holds a put where it is, cancel and remove abort it (its chunks are
 * purged), and each file's latest checkpoint is kept in its Uppy file state (`natsCheckpoint`), so a
 * retry, or Golden Retriever's restore after a page reload, sends only the chunks the server lacks.
 * @module
 */
import { BasePlugin, EventManager, type Body, type Meta, type PluginOpts, type Uppy, type UppyFile } from "@uppy/core";
import { filterFilesToEmitUploadStarted, filterFilesToUpload } from "@uppy/core/utils";
import { InvalidArgumentError, SourceError } from "../core/errors.js";
import type { ObjectInfo } from "../core/meta.js";
import type { UploadCheckpoint } from "../core/upload-checkpoint.js";
import type { ObjectStoreManager } from "../manager.js";
import type { ObjectStore } from "../store.js";
import { objectMetaFor, type ObjectHeaders } from "./object-meta.js";
import { PausablePut } from "./pausable-put.js";
import { Slots } from "./slots.js";
import { throttle } from "./throttle.js";

export type { ObjectHeaders } from "./object-meta.js";

/** Options of {@link NatsObjectStoreUploader}. Give `store`, or `manager` and `bucket`. */
export interface NatsUploaderOptions<M extends Meta, B extends Body> extends PluginOpts {
  /** The bucket to upload into. */
  store?: ObjectStore;
  /** With `bucket`: the bucket is opened through it (when `store` is not given). */
  manager?: ObjectStoreManager;
  /** The bucket's name, opened through `manager`. */
  bucket?: string;
  /** The object name of a file (default: `file.meta.name`, which Dashboard's file card edits, else `file.name`). */
  objectName?: (file: UppyFile<M, B>) => string;
  /** Uppy meta fields stored as the object's metadata (default none); values that are not strings as JSON. */
  allowedMetaFields?: readonly string[];
  /** Extra object headers, or a function of the file; `Content-Type` comes from `file.type` unless given here. */
  headers?: ObjectHeaders | ((file: UppyFile<M, B>) => ObjectHeaders);
  /** Chunk size in bytes (default: the library's, 128 KiB). */
  chunkSize?: number;
  /** Files uploading at once (default 3; read when the plugin is made); a paused file gives its place to the next. */
  limit?: number;
  /** How long a put waits for a lost connection to come back before the file fails (retry resumes it). */
  reconnectWaitMs?: number;
  /** The `uploadURL` Uppy shows for a stored object (default none), e.g. a Service Worker path. */
  uploadURL?: (info: ObjectInfo) => string | undefined;
}

/** The response body of an `upload-success`: the stored object's info. */
export interface NatsUploadBody extends Body {
  /** The object as stored (name, size, chunks, digest, revision, ...). */
  info: ObjectInfo;
}

/** What this plugin keeps in an Uppy file's state. */
export interface NatsFileState {
  /** The latest checkpoint of the file's unfinished put (cleared when it is stored). */
  natsCheckpoint?: UploadCheckpoint | undefined;
}

/** The plugin's id when none is given. */
export const NATS_UPLOADER_ID = "NatsObjectStore";
/** How often at most a file's progress and checkpoint state are updated, in ms. */
const UPDATE_EVERY_MS = 200;

/** The checkpoint kept in a file's state, if any. */
export function checkpointOf(file: UppyFile<Meta, Body> | undefined): UploadCheckpoint | undefined {
  return (file as (UppyFile<Meta, Body> & NatsFileState) | undefined)?.natsCheckpoint;
}

/**
 * An Uppy uploader (`uppy.use(NatsObjectStoreUploader, { store })`) that puts files into a NATS object
 * store. Pause and resume need no server round trip: a paused put stops reading its file; a failed one
 * keeps its acknowledged chunks, and Retry continues it from its checkpoint.
 */
export class NatsObjectStoreUploader<M extends Meta, B extends Body> extends BasePlugin<NatsUploaderOptions<M, B>, M, B> {
  readonly #slots: Slots;
  readonly #puts = new Map<string, PausablePut>();

  /** Called by `uppy.use`. */
  constructor(uppy: Uppy<M, B>, opts?: NatsUploaderOptions<M, B>) {
    super(uppy, { ...opts });
    this.type = "uploader";
    this.id = this.opts.id ?? NATS_UPLOADER_ID;
    this.#slots = new Slots(this.opts.limit ?? 3);
  }

  /** Registers the uploader and declares resumable uploads and individual cancellation. */
  override install(): void {
    this.#capabilities(true);
    this.uppy.addUploader(this.#handleUpload);
    this.uppy.on("file-removed", this.#onFileRemoved);
  }

  /** Undoes {@link install}. */
  override uninstall(): void {
    this.#capabilities(false);
    this.uppy.removeUploader(this.#handleUpload);
    this.uppy.off("file-removed", this.#onFileRemoved);
  }

  #capabilities(on: boolean): void {
    const { capabilities } = this.uppy.getState();
    this.uppy.setState({ capabilities: { ...capabilities, resumableUploads: on, ...(on ? { individualCancellation: true } : {}) } });
  }

  #handleUpload = async (fileIDs: string[]): Promise<void> => {
    const files = filterFilesToUpload(this.uppy.getFilesByIds(fileIDs));
    this.uppy.emit("upload-start", filterFilesToEmitUploadStarted(files));
    await Promise.allSettled(files.map((file) => this.#uploadFile(file)));
  };

  /** The bucket: the configured one, or (for a checkpoint) the one it names, when the manager can open it. */
  async #store(bucket?: string): Promise<ObjectStore> {
    const { store, manager } = this.opts;
    const wanted = bucket ?? store?.bucket ?? this.opts.bucket;
    if (store && store.bucket === wanted) return store;
    if (manager && wanted) return manager.objectStore(wanted);
    throw new InvalidArgumentError("CONFIG_REQUIRED", "NatsObjectStoreUploader needs `store`, or `manager` and `bucket`");
  }

  async #uploadFile(file: UppyFile<M, B>): Promise<void> {
    const events = new EventManager(this.uppy);
    let put: PausablePut | undefined;
    let resumeFrom: UploadCheckpoint | undefined;
    const checkpoints = throttle((cp: UploadCheckpoint) => this.#setCheckpoint(file.id, cp), UPDATE_EVERY_MS);
    const progress = throttle((bytes: number) => this.#emitProgress(file.id, bytes), UPDATE_EVERY_MS);
    try {
      if (file.isRemote || !file.data) {
        throw new SourceError("SOURCE_FAILED", `${file.name}: the file's data is not here (a remote file, or one not restored)`);
      }
      const store = await this.#store();
      const name = this.opts.objectName?.(file) ?? (file.meta.name || file.name);
      const saved = checkpointOf(file);
      resumeFrom = saved && saved.bucket === store.bucket && saved.name === name ? saved : undefined;
      const headers = typeof this.opts.headers === "function" ? this.opts.headers(file) : this.opts.headers;
      put = new PausablePut({
        store,
        meta: objectMetaFor({ name, type: file.type, fields: file.meta }, this.opts.allowedMetaFields, headers),
        data: file.data,
        slots: this.#slots,
        chunkSize: this.opts.chunkSize,
        reconnectWaitMs: this.opts.reconnectWaitMs,
        resumeFrom,
        onProgress: (bytes) => progress.call(bytes),
        onCheckpoint: (cp) => checkpoints.call(cp),
      }, !!file.isPaused);
      const p = put;
      this.#puts.set(file.id, p);
      events.onFileRemove(file.id, () => p.cancel());
      events.onCancelAll(file.id, () => p.cancel());
      events.onPause(file.id, (paused) => (paused ? p.pause() : p.resume()));
      events.onPauseAll(file.id, () => p.pause());
      events.onResumeAll(file.id, () => p.resume());
      const info = await p.run();
      progress.flush();
      checkpoints.cancel();
      if (!this.uppy.getFile(file.id)) return;
      this.uppy.setFileState(file.id, { natsCheckpoint: undefined } as Partial<UppyFile<M, B>>);
      const uploadURL = this.opts.uploadURL?.(info);
      this.uppy.emit("upload-success", this.uppy.getFile(file.id), {
        status: 200,
        body: { info } as NatsUploadBody as unknown as B,
        ...(uploadURL === undefined ? {} : { uploadURL }),
      });
    } catch (err) {
      progress.cancel();
      if (put?.cancelled) {
        checkpoints.cancel();
        // a put that never began cannot have purged the chunks of the try it was to resume
        if (resumeFrom && !put.started) void this.#discard(resumeFrom);
        return;
      }
      checkpoints.flush(); // before the error: a retry reads the file's checkpoint
      this.uppy.emit("upload-error", this.uppy.getFile(file.id) ?? file, err as Error);
      throw err;
    } finally {
      events.remove();
      if (put && this.#puts.get(file.id) === put) this.#puts.delete(file.id);
    }
  }

  #setCheckpoint(fileID: string, cp: UploadCheckpoint): void {
    if (this.uppy.getFile(fileID)) this.uppy.setFileState(fileID, { natsCheckpoint: cp } as Partial<UppyFile<M, B>>);
  }

  #emitProgress(fileID: string, bytes: number): void {
    const file = this.uppy.getFile(fileID);
    if (!file) return;
    this.uppy.emit("upload-progress", file, {
      uploadStarted: file.progress.uploadStarted ?? Date.now(),
      bytesUploaded: bytes,
      bytesTotal: file.size,
    });
  }

  /** A removed file whose put is not running (failed, or restored and not resumed) leaves no chunks behind. */
  #onFileRemoved = (file: UppyFile<M, B>): void => {
    if (this.#puts.has(file.id)) return; // its running put is cancelled, and purges its own chunks
    const cp = checkpointOf(file);
    if (cp) void this.#discard(cp);
  };

  async #discard(cp: UploadCheckpoint): Promise<void> {
    try {
      await (await this.#store(cp.bucket)).discardUpload(cp);
    } catch (err) {
      this.uppy.log(`[NatsObjectStore] could not purge the chunks of ${cp.name}: ${(err as Error).message}`, "warning");
    }
  }
}

export default NatsObjectStoreUploader;
