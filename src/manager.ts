/** Buckets <-> streams: create, open, delete and list object stores. */
import type { NatsConnectionLike } from "./transport/connection.js";
import { Bucket } from "./bucket.js";
import { checkConfig, toStatus, toStreamConfig, type ObjectStoreConfig, type ObjectStoreStatus } from "./core/bucket-config.js";
import { ConflictError, InvalidArgumentError, ServerError } from "./core/errors.js";
import { streamName, validateBucketName } from "./core/names.js";
import type { ManagerOptions } from "./options.js";
import { ObjectStore } from "./store.js";
import { JetStreamClient, type StreamConfig } from "./transport/jetstream.js";
import { isBucketNotFound } from "./transport/errors.js";

/** Creates, opens and deletes object stores on one connection. */
export class ObjectStoreManager {
  private readonly js: JetStreamClient;

  /** @internal use {@link objectStoreManager} */
  constructor(nc: NatsConnectionLike, opts: ManagerOptions = {}) {
    const inbox = opts.inboxPrefix;
    if (inbox !== undefined && (typeof inbox !== "string" || !/^[^\s*>.]+(\.[^\s*>.]+)*$/.test(inbox))) {
      throw new InvalidArgumentError("INVALID_ARGUMENT", "inboxPrefix must be a subject without wildcards, e.g. _INBOX_alice");
    }
    this.js = new JetStreamClient(nc, opts.timeout ?? 10_000, opts.apiPrefix ?? "$JS.API", opts.inboxPrefix);
  }

  /** Opens an existing bucket. Rejects with `BUCKET_NOT_FOUND` when there is none, `INVALID_STORE_NAME` for a bad name. */
  async objectStore(bucket: string): Promise<ObjectStore> {
    validateBucketName(bucket);
    const si = await this.js.streamInfo(streamName(bucket), `open bucket ${bucket}`);
    return this.wrap(bucket, si.config);
  }

  /**
   * Creates a bucket (or opens it, when one with the same configuration exists). Rejects with
   * `BUCKET_EXISTS` when it exists with another configuration, and `SERVER_TOO_OLD` for `metadata` or
   * `compression` on a server older than 2.10 (which would silently ignore them), and for `allowBatched`
   * on a server older than 2.14.
   */
  async createObjectStore(config: ObjectStoreConfig): Promise<ObjectStore> {
    const c = this.checkForServer(config);
    const si = await this.js.createStream(toStreamConfig(c) as StreamConfig);
    return this.wrap(c.bucket, si.config);
  }

  /**
   * Changes an existing bucket's configuration to `config` (as nats.go's `UpdateObjectStore`): description,
   * TTL, max bytes, metadata, compression, and replicas where the server allows it (a cluster). Options not
   * given return to their defaults; the storage type cannot change (the server refuses). Rejects with
   * `BUCKET_NOT_FOUND` when there is no such bucket, `SERVER_TOO_OLD` as {@link createObjectStore}.
   */
  async updateObjectStore(config: ObjectStoreConfig): Promise<ObjectStore> {
    const c = this.checkForServer(config);
    const si = await this.js.updateStream(toStreamConfig(c) as StreamConfig, `update bucket ${c.bucket}`);
    return this.wrap(c.bucket, si.config);
  }

  /**
   * Creates the bucket, or changes an existing one's configuration to `config` (as nats.go's
   * `CreateOrUpdateObjectStore`). Rejects with `SERVER_TOO_OLD` as {@link createObjectStore}.
   */
  async createOrUpdateObjectStore(config: ObjectStoreConfig): Promise<ObjectStore> {
    const c = this.checkForServer(config);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.updateObjectStore(c);
      } catch (err) {
        if (!isBucketNotFound(err)) throw err;
      }
      try {
        return await this.createObjectStore(c);
      } catch (err) {
        // created meanwhile by another client with another configuration: update that one
        if (attempt > 0 || !(err instanceof ConflictError) || err.code !== "BUCKET_EXISTS") throw err;
      }
    }
  }

  /** Checks a config, and that this server knows every feature it asks for. */
  private checkForServer(config: ObjectStoreConfig): ObjectStoreConfig {
    const c = checkConfig(config);
    if ((c.compression || (c.metadata && Object.keys(c.metadata).length > 0)) && !this.js.serverAtLeast(2, 10)) {
      throw new ServerError("SERVER_TOO_OLD",
        `bucket metadata and compression need nats-server 2.10 or newer; this one is ${this.js.nc.info?.version}`);
    }
    if (c.allowBatched && this.js.apiLevel < 4) {
      throw new ServerError("SERVER_TOO_OLD",
        `fast-batch buckets (allowBatched) need nats-server 2.14 or newer (API level 4); this one is ${this.js.nc.info?.version}`);
    }
    if (!this.js.serverAtLeast(2, 6, 2)) throw new ServerError("SERVER_TOO_OLD", "object stores need nats-server 2.6.2 or newer");
    return c;
  }

  /** Deletes a bucket and everything in it. Rejects with `BUCKET_NOT_FOUND` when there is none. */
  async deleteObjectStore(bucket: string): Promise<void> {
    validateBucketName(bucket);
    await this.js.deleteStream(streamName(bucket));
  }

  /** The names of every bucket. */
  async names(): Promise<string[]> {
    const streams = await this.js.streamNames("$O.*.M.>");
    return streams.filter((s) => s.startsWith("OBJ_")).map((s) => s.slice(4)).sort();
  }

  /** The status of every bucket. */
  async list(): Promise<ObjectStoreStatus[]> {
    const out: ObjectStoreStatus[] = [];
    for (const name of await this.names()) {
      try {
        out.push(toStatus(name, await this.js.streamInfo(streamName(name), "bucket status")));
      } catch {
        // deleted between the two calls
      }
    }
    return out;
  }

  private wrap(bucket: string, config: StreamConfig): ObjectStore {
    return new ObjectStore(new Bucket(this.js, bucket, config.allow_direct === true, config.allow_batched === true), this);
  }
}

/** The entry point: an {@link ObjectStoreManager} over a NATS connection: nats.ws, or a v3 `wsconnect()` or TCP `connect()`. */
export function objectStoreManager(nc: NatsConnectionLike, opts?: ManagerOptions): ObjectStoreManager {
  return new ObjectStoreManager(nc, opts);
}
