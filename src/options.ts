/** Options of the object store operations. */
import type { HasherFactory } from "./core/sha256.js";
import type { UploadCheckpoint } from "./core/upload-checkpoint.js";
import type { NatsConnectionLike } from "./transport/connection.js";
import type { ChunkLane } from "./parallel-chunks.js";

/** Progress of a put or get. */
export interface Progress {
  /** Bytes done so far. */
  bytes: number;
  /** Total bytes, when known (a get always knows; a put knows for Blobs, byte arrays and strings). */
  total?: number;
  /** Chunks done so far. */
  chunks: number;
  /** For a put resumed from a checkpoint: the bytes the server held already, which were hashed, not sent. */
  resumedFrom?: number;
}

/** Options of a put. */
export interface PutOptions {
  /** Cancels the put: its partial chunks are purged and the previous version stays. */
  signal?: AbortSignal;
  /** Called after each chunk is sent (sent, not yet acknowledged: the put can still fail after 100%). */
  onProgress?: (progress: Progress) => void;
  /** Chunk size in bytes (default: the meta's `options.max_chunk_size`, else 128 KiB; capped by the server's max_payload). */
  chunkSize?: number;
  /** Fail with `REVISION_MISMATCH` unless the object's current revision is this one (0: the name must be new). */
  previousRevision?: number;
  /** Most chunk publishes awaiting their ack at once (default: 2 MiB worth, 4 to 64). */
  window?: number;
  /** The SHA-256 implementation (default: the fastest this runtime offers). */
  hasher?: HasherFactory;
  /**
   * How long (ms) a put whose connection is lost waits for the client to reconnect; it then asks the
   * server which chunks it holds and sends only the rest (default 30 000; 0: fail at once).
   */
  reconnectWaitMs?: number;
  /**
   * Makes the put resumable: called each time more chunks are acknowledged, with what a later put needs
   * (`resumeFrom`) to continue it after a reload or a failure. Persist it (it is plain JSON), throttled if
   * you like. A resumable put that fails keeps its acknowledged chunks, unless cancelled by `signal`.
   */
  onCheckpoint?: (checkpoint: UploadCheckpoint) => void;
  /**
   * Continues an interrupted put: give the same source again. The chunks the server holds are hashed
   * locally and not sent again; the first chunk and the size must match (`RESUME_MISMATCH`). When the
   * server holds none any more (purged as orphans), the put simply starts over.
   */
  resumeFrom?: UploadCheckpoint;
}

/** Options of a get. */
export interface GetOptions {
  /** Cancels the read: the body errors with `ABORTED`. */
  signal?: AbortSignal;
  /** Called after each chunk is read and hashed. */
  onProgress?: (progress: Progress) => void;
  /** The SHA-256 implementation for verification (default: the fastest this runtime offers). */
  hasher?: HasherFactory;
  /**
   * Read only from this byte (range read: only the chunks holding the range are fetched; the
   * whole-object digest cannot be verified, see `ObjectResult.range`).
   */
  offset?: number;
  /** Read at most this many bytes (range read). */
  length?: number;
  /**
   * More connections (to the same server or cluster, as the same user) or read lanes in Workers
   * (`workerLane`) to read over in parallel: the chunks are read in runs spread over them and handed on
   * in order, verified as usual. Connections of this thread read beside the store's own; lanes read
   * alone. Measured, only lanes ever read faster, and only where the server's WebSocket compression is
   * off (see the README, "Parallel reads"). Objects whose chunks are not contiguous in the stream
   * (written while other puts interleaved) fall back to one ordered read from where that shows.
   */
  connections?: readonly (NatsConnectionLike | ChunkLane)[];
}

/** Options of getInfo. */
export interface GetInfoOptions {
  /** Return delete markers too, instead of `OBJECT_NOT_FOUND`. */
  showDeleted?: boolean;
}

/** Options of updateMeta and delete. */
export interface RevisionOptions {
  /** Fail with `REVISION_MISMATCH` unless the object's current revision is this one. */
  previousRevision?: number;
}

/** Options of watch. */
export interface WatchOptions {
  /** Deliver every version of every name, not only the latest. */
  includeHistory?: boolean;
  /** Skip delete markers. */
  ignoreDeletes?: boolean;
  /** Deliver only changes made from now on. */
  updatesOnly?: boolean;
  /** Called for a meta message that is not a valid object meta (it is skipped). */
  onBadMeta?: (subject: string, error: Error) => void;
}

/** Options of list. */
export interface ListOptions {
  /** Include delete markers. */
  includeDeleted?: boolean;
  /** Called for a meta message that is not a valid object meta (it is skipped). */
  onBadMeta?: (subject: string, error: Error) => void;
}

/** Options of the manager. */
export interface ManagerOptions {
  /** Timeout of each JetStream request, in ms (default 10 000). */
  timeout?: number;
  /** The JetStream API prefix (default `$JS.API`; another for a JetStream domain). */
  apiPrefix?: string;
  /**
   * The prefix of the inboxes this library subscribes to for acks, reads and watches (default: the
   * connection's own `inboxPrefix` option, else `_INBOX`). Set it when a wrapped connection does not
   * expose its options; a user whose permissions allow only their own prefix needs it to match.
   */
  inboxPrefix?: string;
}
