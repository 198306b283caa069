/**
 * The three object store clients behind one small interface, usable in Node and in the browser:
 * - "ours":   this library (src/), on a nats.ws connection, or on a v3 one (`wsconnect`, or TCP)
 * - "natsws": the object store bundled in nats.ws 1.30.3 (`nc.jetstream().views.os()`)
 * - "obj":    @nats-io/obj 3.4 (`new Objm(nc)`) on a @nats-io/nats-core `wsconnect` connection, or TCP
 * Every client runs with its defaults (chunk size 128 KiB everywhere) unless the task says otherwise.
 * ("natsgo", nats.go, is a program of its own: bench/go, run by run.ts.)
 */
import { connect as wsConnect, StorageType as WsStorage, type NatsConnection as WsConnection } from "nats.ws";
import { wsconnect, type NatsConnection as V3Connection } from "@nats-io/nats-core";
import { Objm, StorageType as ObjStorage } from "@nats-io/obj";
import { objectStoreManager, defaultSha256, workerLane, type HasherFactory, type WorkerLane } from "../../src/index.ts";
import { drain } from "./source.ts";
import { protoPut } from "./proto-put.ts";

export type ClientName = "ours" | "natsws" | "obj" | "natsgo";

/**
 * How a client connects: its usual WebSocket client when not given (ours and natsws: nats.ws; obj: v3
 * `wsconnect`); "v3 ws": `wsconnect`; "v3 tcp": `@nats-io/transport-node` over TCP (Node only: the
 * task's url is then the nats:// one).
 */
export type ConnectionKind = "v3 ws" | "v3 tcp";

export interface PutTuning {
  chunkSize?: number;
  window?: number;
  hasher?: HasherFactory;
  /** "ours" only: put through the bench's prototype data path (lib/proto-put.ts) instead of src/put.ts. */
  proto?: { msgIds: boolean };
}

export interface ObjClient {
  readonly name: ClientName;
  /** Creates the bucket; `allowBatched`: with fast-batch publishing (ours and obj, nats-server 2.14+). */
  createBucket(bucket: string, opts?: { allowBatched?: boolean }): Promise<void>;
  put(name: string, source: ReadableStream<Uint8Array>, tuning?: PutTuning): Promise<{ size: number; chunks: number }>;
  /** Reads the object to its end (verified by the client) and returns its size. */
  get(name: string, hasher?: HasherFactory): Promise<number>;
  deleteBucket(): Promise<void>;
  close(): Promise<void>;
}

export async function openClient(name: ClientName, url: string, connection?: ConnectionKind, readConnections = 1, readLanes = 0, putUrl?: string): Promise<ObjClient> {
  if (name === "ours") return openOurs(url, connection, readConnections, readLanes, putUrl);
  if (name === "natsws") return openNatsWs(url);
  if (name === "obj") return openObj(url, connection);
  throw new Error("nats.go runs as a program of its own (bench/go), not in a Node task");
}

/** A nats.ws connection with settings shared by the benchmark (no reconnects: a dead server is a failure). */
export function connectNatsWs(url: string): Promise<WsConnection> {
  return wsConnect({ servers: url, maxReconnectAttempts: 0, name: "bench" });
}

/** A v3 connection: `wsconnect`, or TCP through `@nats-io/transport-node` (imported only then: the page bundle leaves it out). */
async function connectV3(url: string, connection: ConnectionKind = "v3 ws"): Promise<V3Connection> {
  const opts = { servers: url, maxReconnectAttempts: 0, name: "bench" };
  if (connection === "v3 ws") return wsconnect(opts);
  const { connect } = await import("@nats-io/transport-node");
  return connect(opts);
}

/** A read lane in a Worker of its own (bench/lane-worker.ts, next to the page's script), connected to `url`. */
async function startLane(url: string): Promise<{ lane: WorkerLane; worker: Worker }> {
  const worker = new Worker(new URL("lane-worker.js", import.meta.url), { type: "module", name: "bench lane" });
  const ready = new Promise<void>((resolve, reject) => {
    worker.addEventListener("message", (e) => (e.data as { t?: string })?.t === "lane-ready" && resolve());
    worker.addEventListener("error", (e) => reject(new Error(`lane worker: ${e.message}`)));
  });
  worker.postMessage({ t: "lane-connect", url });
  await ready;
  return { lane: workerLane(worker), worker };
}

async function openOurs(url: string, connection?: ConnectionKind, readConnections = 1, readLanes = 0, putUrl?: string): Promise<ObjClient> {
  const natsWs = connection ? undefined : await connectNatsWs(url);
  const nc = natsWs ?? await connectV3(url, connection);
  // gets over several connections: the extra ones are of the same kind
  const readers = await Promise.all(Array.from({ length: readConnections - 1 }, () => (connection ? connectV3(url, connection) : connectNatsWs(url))));
  const lanes = await Promise.all(Array.from({ length: readLanes }, () => startLane(url)));
  const m = objectStoreManager(nc, { timeout: 30_000 });
  let os: Awaited<ReturnType<typeof m.createObjectStore>> | undefined;
  // puts through another endpoint (an uncompressed leaf node or proxy, lib/leaf.ts): a second connection and
  // a second store on the same bucket, as a page would open them
  const putNc = putUrl ? await (connection ? connectV3(putUrl, connection) : connectNatsWs(putUrl)) : undefined;
  let putOs: typeof os;
  let bucketName = "";
  return {
    name: "ours",
    async createBucket(bucket, o = {}) {
      bucketName = bucket;
      os = await m.createObjectStore({ bucket, storage: "file", ...(o.allowBatched ? { allowBatched: true } : {}) });
      putOs = putNc ? await objectStoreManager(putNc, { timeout: 30_000 }).objectStore(bucket) : os;
    },
    async put(name, source, t = {}) {
      if (t.proto) {
        if (!natsWs) throw new Error("the prototype put runs on nats.ws only");
        const chunkSize = t.chunkSize ?? 128 * 1024;
        const size = await protoPut(natsWs, bucketName, name, source, {
          chunkSize, window: t.window ?? Math.max(4, Math.min(64, Math.floor((4 << 20) / chunkSize))),
          hasher: t.hasher ?? defaultSha256, msgIds: t.proto.msgIds,
        });
        return { size, chunks: Math.ceil(size / chunkSize) };
      }
      const info = await putOs!.put({ name }, source, { chunkSize: t.chunkSize, window: t.window, hasher: t.hasher });
      return { size: info.size, chunks: info.chunks };
    },
    async get(name, hasher) {
      const via = [...readers, ...lanes.map((l) => l.lane)];
      const r = await os!.get(name, { hasher, ...(via.length ? { connections: via } : {}) });
      return drain(r.body);
    },
    async deleteBucket() {
      await m.deleteObjectStore(bucketName).catch(() => undefined);
    },
    async close() {
      await Promise.all([nc, ...readers, ...(putNc ? [putNc] : [])].map((c) => c.close()));
      for (const l of lanes) l.worker.terminate();
    },
  };
}

/** The part of the official clients' object stores (nats.ws views.os, @nats-io/obj) the benchmark uses. */
interface OfficialStore {
  put(meta: { name: string; options?: { max_chunk_size: number } }, source: ReadableStream<Uint8Array>): Promise<{ size: number; chunks: number }>;
  get(name: string): Promise<{ data: ReadableStream<Uint8Array>; error: Promise<Error | null> } | null>;
}

/** put and get of an official client's store, read the same way for both. */
function officialOps(store: () => OfficialStore): Pick<ObjClient, "put" | "get"> {
  return {
    async put(name, source, t = {}) {
      const meta = t.chunkSize ? { name, options: { max_chunk_size: t.chunkSize } } : { name };
      const info = await store().put(meta, source);
      return { size: info.size, chunks: info.chunks };
    },
    async get(name) {
      const r = await store().get(name);
      if (!r) throw new Error(`${name} not found`);
      const n = await drain(r.data);
      const err = await r.error;
      if (err) throw err;
      return n;
    },
  };
}

async function openNatsWs(url: string): Promise<ObjClient> {
  const nc = await connectNatsWs(url);
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  let os: Awaited<ReturnType<typeof js.views.os>> | undefined;
  let bucketName = "";
  return {
    name: "natsws",
    async createBucket(bucket) {
      bucketName = bucket;
      os = await js.views.os(bucket, { storage: WsStorage.File });
    },
    ...officialOps(() => os!),
    async deleteBucket() {
      await jsm.streams.delete(`OBJ_${bucketName}`).catch(() => undefined);
    },
    async close() {
      await nc.close();
    },
  };
}

async function openObj(url: string, connection?: ConnectionKind): Promise<ObjClient> {
  const nc = await connectV3(url, connection);
  const objm = new Objm(nc);
  let os: Awaited<ReturnType<typeof objm.create>> | undefined;
  return {
    name: "obj",
    async createBucket(bucket, o = {}) {
      // allowBatched: @nats-io/obj 3.4's opt-in fast ingest (its puts then send fast batches)
      os = await objm.create(bucket, { storage: ObjStorage.File, ...(o.allowBatched ? { allowBatched: true } : {}) } as Parameters<typeof objm.create>[1]);
    },
    ...officialOps(() => os!),
    async deleteBucket() {
      await os?.destroy().catch(() => undefined);
    },
    async close() {
      await nc.close();
    },
  };
}
