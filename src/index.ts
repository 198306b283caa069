/**
 * A streaming NATS JetStream Object Store client for browsers, Deno and Node, over any NATS connection:
 * nats.ws, or the v3 clients' `wsconnect()` (WebSocket) and `connect()` (TCP).
 * @module
 */
export { objectStoreManager, ObjectStoreManager } from "./manager.js";
export { ObjectStore, type BucketOpener } from "./store.js";
export { ObjectWatcher } from "./watch.js";
export { workerLane, WorkerLane, type WorkerLaneOptions } from "./lanes/worker-lane.js";
export { serveReadLane, type ServeReadLaneOptions } from "./lanes/serve-lane.js";
export type { LanePort } from "./lanes/lane-port.js";
export { workerSha256, type WorkerSha256Options } from "./hash-worker/worker-sha256.js";
export { serveHashing, type ServeHashingOptions } from "./hash-worker/serve-hashing.js";
export type { ChunkLane, ChunkSource, RunSpec } from "./parallel-chunks.js";
export { DEFAULT_ORPHAN_MIN_AGE_MS, type PurgeOrphansOptions, type PurgeOrphansResult } from "./maintenance.js";
export { ObjectResult } from "./core/object-result.js";
export type { ObjectInfo, ObjectMeta, ObjectLink, ObjectMetaOptions } from "./core/meta.js";
export type { ObjectStoreConfig, ObjectStoreStatus, StorageType } from "./core/bucket-config.js";
export type { PutSource } from "./core/source.js";
export type { UploadCheckpoint } from "./core/upload-checkpoint.js";
export type { FileSource, FileTarget } from "./platform/files.js";
export type {
  GetInfoOptions, GetOptions, ListOptions, ManagerOptions, Progress, PutOptions, RevisionOptions, WatchOptions,
} from "./options.js";
export type { Hasher, HasherFactory, SyncHasher } from "./core/sha256.js";
export type {
  NatsConnectionLike, NatsSubscription, ReceivedMessage, ReceivedHeaders, OutgoingHeaders, ConnectionStatus, ServerInfoView,
} from "./transport/connection.js";
export { nobleSha256 } from "./core/sha256.js";
export { defaultSha256, nodeSha256, wasmSha256 } from "./platform/fast-sha256.js";
export { formatDigest, parseDigest } from "./core/digest.js";
export { encodeName, decodeName, metaSubject, chunkSubject, streamName } from "./core/names.js";
export {
  ObjectStoreError, InvalidArgumentError, NotFoundError, ConflictError, SealedError, LinkError, IntegrityError,
  AbortedError, SourceError, PermissionError, ServerError, type ObjectStoreErrorCode,
} from "./core/errors.js";
export { CallbackError } from "./core/check-options.js";
export {
  objectResponse, handleObjectRequest, objectPath, parseObjectPath, statusForError, decideRange, entityTag, objectContentType,
  type ObjectResponseOptions, type ObjectRouteOptions, type ObjectPath, type RangeDecision,
} from "./http/index.js";
export {
  workerObjectStore, WorkerObjectStore, serveObjectStores, canTransferStreams,
  type WorkerObjectStoreOptions, type WorkerTarget, type WorkerPutOptions, type WorkerGetOptions, type ObjectStoreHost,
  type ServeObjectStoresOptions, type WorkerConnect, type MessageScope,
} from "./worker/index.js";
