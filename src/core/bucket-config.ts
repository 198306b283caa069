/** A bucket's configuration and status, and how they map to and from the JetStream stream. */
import { InvalidArgumentError } from "./errors.js";
import { allChunkSubjects, allMetaSubjects, streamName, validateBucketName } from "./names.js";

/** Where a bucket keeps its data. */
export type StorageType = "file" | "memory";

/** How a bucket is made. */
export interface ObjectStoreConfig {
  /** The bucket name: 1+ of `A-Z a-z 0-9 - _`. */
  bucket: string;
  /** Free text. */
  description?: string;
  /** Objects older than this many milliseconds are removed (0 or absent: kept for ever). */
  ttl?: number;
  /** The most bytes the bucket may hold (absent: no limit). */
  maxBytes?: number;
  /** `"file"` (default) or `"memory"`. */
  storage?: StorageType;
  /** Copies kept in a cluster (1 default; up to 5). */
  replicas?: number;
  /** Which cluster or tagged servers hold the bucket. */
  placement?: { cluster?: string; tags?: string[] };
  /** Metadata of the bucket (servers 2.10+). */
  metadata?: Record<string, string>;
  /** Compress stored data (servers 2.10+). */
  compression?: boolean;
  /**
   * Let puts send their chunks as fast batches (ADR-50; servers 2.14+): far fewer acks per put. Fast
   * batches are not atomic; a put still purges its chunks when it fails and checks them before its meta.
   */
  allowBatched?: boolean;
}

/** What a bucket reports about itself. */
export interface ObjectStoreStatus {
  /** The bucket name. */
  bucket: string;
  /** The bucket's description. */
  description: string;
  /** Time to live of objects in ms (0: none). */
  ttl: number;
  /** Storage type. */
  storage: StorageType;
  /** Replicas. */
  replicas: number;
  /** True once sealed: no more writes. */
  sealed: boolean;
  /** Bytes stored (chunks and metas). */
  size: number;
  /** Always `"JetStream"`. */
  backingStore: "JetStream";
  /** The bucket's metadata (without the `_nats.` keys that servers 2.11+ add of their own). */
  metadata: Record<string, string>;
  /** True when the stream compresses its data. */
  compression: boolean;
  /** Max bytes (-1: no limit). */
  maxBytes: number;
  /** Messages stored (chunks and metas). */
  messages: number;
  /** True when puts may send their chunks as fast batches (servers 2.14+). */
  allowBatched: boolean;
}

/** Checks a config; throws {@link InvalidArgumentError} `CONFIG_REQUIRED`, `INVALID_STORE_NAME` or `INVALID_ARGUMENT`. */
export function checkConfig(config: unknown): ObjectStoreConfig {
  if (typeof config !== "object" || config === null) {
    throw new InvalidArgumentError("CONFIG_REQUIRED", "a bucket config with a bucket name is required");
  }
  const c = config as ObjectStoreConfig;
  validateBucketName(c.bucket);
  const num = (v: unknown, field: string, min: number) => {
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < min)) {
      throw new InvalidArgumentError("INVALID_ARGUMENT", `${field} must be a number >= ${min}`);
    }
  };
  num(c.ttl, "ttl", 0);
  num(c.maxBytes, "maxBytes", -1);
  num(c.replicas, "replicas", 1);
  if (c.storage !== undefined && c.storage !== "file" && c.storage !== "memory") {
    throw new InvalidArgumentError("INVALID_ARGUMENT", `storage must be "file" or "memory"`);
  }
  if (c.allowBatched !== undefined && typeof c.allowBatched !== "boolean") {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "allowBatched must be true or false");
  }
  if (c.description !== undefined && typeof c.description !== "string") {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "description must be a string");
  }
  return c;
}

/** The stream configuration of a bucket (ADR-20). */
export function toStreamConfig(c: ObjectStoreConfig) {
  return {
    name: streamName(c.bucket),
    description: c.description || undefined,
    subjects: [allChunkSubjects(c.bucket), allMetaSubjects(c.bucket)],
    max_age: Math.round((c.ttl ?? 0) * 1_000_000),
    max_bytes: c.maxBytes && c.maxBytes > 0 ? c.maxBytes : -1,
    storage: c.storage ?? "file",
    num_replicas: c.replicas ?? 1,
    placement: c.placement,
    discard: "new" as const,
    allow_rollup_hdrs: true,
    allow_direct: true,
    ...(c.metadata ? { metadata: c.metadata } : {}),
    ...(c.compression ? { compression: "s2" as const } : {}),
    ...(c.allowBatched ? { allow_batched: true } : {}),
  };
}

/** A bucket's status from its stream's info. */
export function toStatus(
  bucket: string,
  info: {
    config: {
      description?: string; max_age: number; storage: StorageType; num_replicas: number; sealed?: boolean;
      metadata?: Record<string, string>; compression?: string; max_bytes: number; allow_batched?: boolean;
    };
    state: { bytes: number; messages: number };
  },
): ObjectStoreStatus {
  return {
    bucket,
    description: info.config.description ?? "",
    ttl: Math.round(info.config.max_age / 1_000_000),
    storage: info.config.storage,
    replicas: info.config.num_replicas,
    sealed: info.config.sealed === true,
    size: info.state.bytes,
    backingStore: "JetStream",
    metadata: userMetadata(info.config.metadata),
    compression: info.config.compression !== undefined && info.config.compression !== "none",
    maxBytes: info.config.max_bytes,
    messages: info.state.messages,
    allowBatched: info.config.allow_batched === true,
  };
}

/** Metadata without the keys servers reserve for themselves (`_nats.ver`, `_nats.level`, … on 2.11+). */
export function userMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) if (!k.startsWith("_nats.")) out[k] = v;
  return out;
}
