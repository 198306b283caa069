/**
 * What one benchmark task does, the same code in a Node child process and in a Chromium page. The host
 * (bench/node-task.ts or bench/page-entry.ts) supplies hooks that mark where each measured operation
 * begins and ends, so it can sample memory around exactly that operation.
 */
import { createInbox, type NatsConnection } from "nats.ws";
import { objectStoreManager, chunkSubject, defaultSha256, type HasherFactory } from "../../src/index.ts";
import { protoPut } from "./proto-put.ts";
import { JetStreamClient } from "../../src/transport/jetstream.ts";
import { ChunkReader } from "../../src/transport/chunk-reader.ts";
import { openClient, connectNatsWs, type ClientName, type ConnectionKind } from "./clients.ts";
import { hasherFactory, prepareHashers, type HasherName } from "./hashers.ts";
import { RawNats, statusOf } from "./raw-nats.ts";
import { makePool, sourceStream, drain, MiB, KiB } from "./source.ts";

export interface ObjstoreTask {
  kind: "objstore";
  client: ClientName;
  /** Label of the row (e.g. "ours", "ours[noop hash]"). */
  label: string;
  size: number;
  bucket: string;
  ops: ("put" | "get")[];
  chunkSize?: number;
  window?: number;
  putHasher?: HasherName;
  getHasher?: HasherName;
  /** "ours" only: put through the prototype data path (lib/proto-put.ts). */
  proto?: { msgIds: boolean };
  /** Put and get an 8 MiB object first, unmeasured (default true). */
  warmup?: boolean;
  /**
   * Make the bucket with fast-batch publishing allowed (nats-server 2.14+): ours `allowBatched` (its puts
   * then send fast batches), obj `allowBatched: true` (its opt-in fast ingest).
   */
  allowBatched?: boolean;
  /** Connect another way than the client's usual WebSocket client (lib/clients.ts). */
  connection?: ConnectionKind;
  /** "ours" only: gets read over this many connections in all (the get option `connections`). */
  readConnections?: number;
  /** "ours" only, browsers: gets read over this many read lanes in Workers (bench/lane-worker.ts) instead. */
  readLanes?: number;
  /**
   * "ours" only: puts (the warm-up's too) go through a second connection to this WebSocket URL, a store opened
   * there on the same bucket; gets and the bucket stay on `url` (bench/lib/leaf.ts: an uncompressed leaf node
   * or proxy in front of a server whose WebSocket compression is on). Filled in by run.ts.
   */
  putUrl?: string;
}

export interface CeilingTask {
  kind: "ceiling";
  size: number;
  msgSize: number;
  /** Publish windows (messages in flight) to try, each with a raw pipeline and with nc.request. */
  windows: number[];
  /** Pull batches to try with the library's ChunkReader (window = 2 x batch). */
  pullBatches: number[];
  /** Publish ceilings only, no reads (the ceilings through a leaf node or proxy: bench/lib/leaf.ts). */
  publishOnly?: boolean;
}

export interface HashTask {
  kind: "hash";
  size: number;
  piece: number;
  hashers: HasherName[];
}

export interface StudyTask {
  kind: "study";
  bucket: string;
  size: number;
  chunkSize: number;
  /** Put windows (chunks in flight); each put replaces the object. */
  windows: number[];
  /** Get batches (chunks per pull request; window = 2 x batch), read with the ChunkReader directly. */
  batches: number[];
  rounds: number;
  hasher?: HasherName;
  /** Also put through the prototype data path (lib/proto-put.ts) with each window. */
  proto?: boolean;
}

export type Task = ObjstoreTask | CeilingTask | HashTask | StudyTask;

export interface OpResult {
  op: string;
  ok: boolean;
  bytes: number;
  ms: number;
  mbps: number;
  error?: string;
  /** Filled in by the host: memory growth during the op. */
  mem?: Record<string, number>;
  [k: string]: unknown;
}

export interface Hooks {
  /** Called before an op (the host may collect garbage and take a memory baseline). */
  begin(op: string): Promise<void>;
  /** Called after an op with its result (the host adds memory figures and reports it). */
  end(result: OpResult): Promise<void>;
}

const WARMUP = 8 * MiB;
let pool: Uint8Array | undefined;
const getPool = () => (pool ??= makePool(16 * MiB));
const now = () => performance.now();
const mbps = (bytes: number, ms: number) => (ms > 0 ? bytes / 1e6 / (ms / 1000) : 0);
const errText = (e: unknown) => {
  const err = e as { code?: string; message?: string; name?: string };
  const msg = (err?.message ?? String(e)).split("\n")[0]!.slice(0, 300);
  return err?.code && !msg.includes(String(err.code)) ? `${err.code}: ${msg}` : msg;
};

function factory(name: HasherName | undefined): HasherFactory | undefined {
  if (!name) return undefined;
  const f = hasherFactory(name);
  if (typeof f === "string") throw new Error(f);
  return f;
}

/** Runs `fn` as one measured op. */
async function measure(hooks: Hooks, op: string, bytes: number, fn: () => Promise<number | void>, extra: Record<string, unknown> = {}): Promise<OpResult> {
  await hooks.begin(op);
  const t0 = now();
  let r: OpResult;
  try {
    const n = await fn();
    const ms = now() - t0;
    const got = typeof n === "number" ? n : bytes;
    r = { op, ok: true, bytes: got, ms, mbps: mbps(got, ms), ...extra };
    if (got !== bytes) r = { ...r, ok: false, error: `moved ${got} bytes, expected ${bytes}` };
  } catch (e) {
    const ms = now() - t0;
    r = { op, ok: false, bytes: 0, ms, mbps: 0, error: errText(e), ...extra };
  }
  await hooks.end(r);
  return r;
}

export async function runTask(task: Task, url: string, hooks: Hooks): Promise<void> {
  await prepareHashers();
  getPool();
  switch (task.kind) {
    case "objstore":
      return runObjstore(task, url, hooks);
    case "ceiling":
      return runCeiling(task, url, hooks);
    case "hash":
      return runHash(task, hooks);
    case "study":
      return runStudy(task, url, hooks);
  }
}

async function runObjstore(t: ObjstoreTask, url: string, hooks: Hooks): Promise<void> {
  const client = await openClient(t.client, url, t.connection, t.readConnections, t.readLanes, t.putUrl);
  try {
    await client.createBucket(t.bucket, { allowBatched: t.allowBatched === true });
    if (t.warmup !== false) {
      // unmeasured warm-up (JIT, connection buffers) with the same client and options: 8 MiB put + get
      await client.put("warmup", sourceStream(WARMUP, getPool()), { chunkSize: t.chunkSize, window: t.window, hasher: factory(t.putHasher), proto: t.proto });
      if (t.ops.includes("get")) await client.get("warmup", factory(t.getHasher));
    }
    let stored = !t.ops.includes("put");
    for (const op of t.ops) {
      if (op === "put") {
        const r = await measure(hooks, "put", t.size, async () => {
          const info = await client.put("obj", sourceStream(t.size, getPool()), {
            chunkSize: t.chunkSize, window: t.window, hasher: factory(t.putHasher), proto: t.proto,
          });
          return info.size;
        });
        stored = r.ok;
      } else if (!stored) {
        await hooks.end({ op: "get", ok: false, bytes: 0, ms: 0, mbps: 0, error: "not run: the put failed" });
      } else {
        await measure(hooks, "get", t.size, () => client.get("obj", factory(t.getHasher)));
      }
    }
  } finally {
    await client.deleteBucket().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- ceilings

async function makeStream(nc: NatsConnection, name: string, subjects: string[]): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(name).catch(() => undefined);
  await jsm.streams.add({ name, subjects, storage: "file" as never, allow_direct: true, discard: "new" as never });
}

/** JetStream publish of `count` messages with at most `window` unacknowledged: one reply inbox, acks counted. */
async function pipelinePublish(nc: NatsConnection, subject: string, count: number, msgSize: number, window: number): Promise<void> {
  const data = getPool();
  const inbox = createInbox();
  let acked = 0;
  let sent = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const sub = nc.subscribe(inbox, {
    callback: (_e, m) => {
      if (m.data.length > 0 && m.data[2] === 0x65 /* {"error" */ && !failure) failure = new Error(new TextDecoder().decode(m.data));
      acked++;
      const w = wake;
      wake = undefined;
      w?.();
    },
  });
  try {
    let off = 0;
    while (sent < count) {
      while (sent - acked >= window && !failure) await new Promise<void>((r) => (wake = r));
      if (failure) throw failure;
      if (off + msgSize > data.length) off = 0;
      nc.publish(subject, data.subarray(off, off + msgSize), { reply: inbox });
      off += msgSize;
      sent++;
    }
    const deadline = now() + 60_000;
    while (acked < count && !failure) {
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
      if (now() > deadline) throw new Error(`only ${acked}/${count} acks`);
    }
    if (failure) throw failure;
  } finally {
    sub.unsubscribe();
  }
}

/** JetStream publish with nc.request per message (a promise and a timer each), `window` in flight. */
async function requestPublish(nc: NatsConnection, subject: string, count: number, msgSize: number, window: number): Promise<void> {
  const data = getPool();
  let inflight = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = (e?: Error) => {
    inflight--;
    if (e && !failure) failure = e;
    const w = wake;
    wake = undefined;
    w?.();
  };
  let off = 0;
  for (let i = 0; i < count; i++) {
    while (inflight >= window && !failure) await new Promise<void>((r) => (wake = r));
    if (failure) throw failure;
    if (off + msgSize > data.length) off = 0;
    inflight++;
    nc.request(subject, data.subarray(off, off + msgSize), { timeout: 30_000 }).then(() => settle(), (e: Error) => settle(e));
    off += msgSize;
  }
  while (inflight > 0 && !failure) await new Promise<void>((r) => (wake = r));
  if (failure) throw failure;
}

/** nats.ws ordered consumer (consumers API) reading every message of `subject`. */
async function orderedRead(nc: NatsConnection, stream: string, subject: string, count: number): Promise<number> {
  const js = nc.jetstream();
  const c = await js.consumers.get(stream, { filterSubjects: subject });
  const it = await c.consume({ max_messages: 256 });
  let n = 0;
  let bytes = 0;
  for await (const m of it) {
    bytes += m.data.length;
    if (++n >= count) break;
  }
  await it.close().catch(() => undefined);
  return bytes;
}

/** A push consumer with flow control and no acks delivering to one inbox (what nats.go's ordered consumer does). */
async function pushRead(nc: NatsConnection, stream: string, subject: string, count: number): Promise<number> {
  const inbox = createInbox();
  let n = 0;
  let bytes = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sub = nc.subscribe(inbox, {
    callback: (_e, m) => {
      if (m.data.length === 0 && m.headers) {
        if (m.reply) nc.publish(m.reply); // flow control
        return;
      }
      bytes += m.data.length;
      if (++n >= count) done();
    },
  });
  const jsm = await nc.jetstreamManager();
  const ci = await jsm.consumers.add(stream, {
    deliver_subject: inbox, ack_policy: "none" as never, filter_subject: subject, flow_control: true,
    idle_heartbeat: 5_000_000_000, mem_storage: true, inactive_threshold: 30_000_000_000,
  } as never);
  await finished;
  sub.unsubscribe();
  await jsm.consumers.delete(stream, ci.name).catch(() => undefined);
  return bytes;
}

/** The library's ChunkReader (pull consumer) with the given batch and window. */
async function chunkReaderRead(nc: NatsConnection, stream: string, subject: string, batch: number, window: number, hasher?: HasherFactory): Promise<number> {
  const js = new JetStreamClient(nc, 30_000);
  const reader = await ChunkReader.open(js, stream, subject, { batch, window });
  const h = await hasher?.();
  let bytes = 0;
  try {
    for (;;) {
      const m = await reader.next();
      if (!m) break;
      h?.update(m.data);
      bytes += m.data.length;
      if (m.pending === 0) break;
    }
  } finally {
    await reader.close();
  }
  h?.digest();
  return bytes;
}

// ---- the same over a bare WebSocket (bench/lib/raw-nats.ts): what the socket and server allow without nats.ws

let inboxSeq = 0;
const rawInbox = () => `_RAW.${Math.random().toString(36).slice(2)}.${++inboxSeq}`;

function rawRequest<T>(rc: RawNats, subject: string, body: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const inbox = rawInbox();
    const timer = setTimeout(() => {
      rc.unsubscribe(sid);
      reject(new Error(`raw request ${subject} timed out`));
    }, 10_000);
    const sid = rc.subscribe(inbox, (m) => {
      clearTimeout(timer);
      rc.unsubscribe(sid);
      try {
        resolve(JSON.parse(new TextDecoder().decode(m.data)) as T);
      } catch (e) {
        reject(e as Error);
      }
    });
    rc.publish(subject, new TextEncoder().encode(JSON.stringify(body ?? {})), inbox);
  });
}

async function rawPublish(rc: RawNats, subject: string, count: number, msgSize: number, window: number): Promise<void> {
  const data = getPool();
  const inbox = rawInbox();
  let acked = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const sid = rc.subscribe(inbox, (m) => {
    if (m.data[2] === 0x65 && !failure) failure = new Error(new TextDecoder().decode(m.data));
    acked++;
    const w = wake;
    wake = undefined;
    w?.();
  });
  await rc.flush();
  try {
    let off = 0;
    for (let sent = 0; sent < count; sent++) {
      while (sent - acked >= window && !failure && !rc.error) await new Promise<void>((r) => (wake = r));
      if (failure ?? rc.error) throw failure ?? rc.error;
      if (off + msgSize > data.length) off = 0;
      rc.publish(subject, data.subarray(off, off + msgSize), inbox);
      off += msgSize;
    }
    while (acked < count && !failure && !rc.error) await new Promise<void>((r) => (wake = r));
    if (failure ?? rc.error) throw failure ?? rc.error;
  } finally {
    rc.unsubscribe(sid);
  }
}

async function rawPullRead(rc: RawNats, stream: string, subject: string, count: number, batch: number): Promise<number> {
  const inbox = rawInbox();
  let got = 0;
  let bytes = 0;
  let requested = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const info = await rawRequest<{ name: string; error?: unknown }>(rc, `$JS.API.CONSUMER.CREATE.${stream}`, {
    stream_name: stream, config: { ack_policy: "none", filter_subject: subject, mem_storage: true, inactive_threshold: 30e9, deliver_policy: "all" },
  });
  if (!info.name) throw new Error(`consumer create failed: ${JSON.stringify(info.error)}`);
  const next = () => {
    while (requested - got < 2 * batch && requested < count) {
      const n = Math.min(batch, count - requested);
      requested += n;
      rc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${info.name}`, new TextEncoder().encode(JSON.stringify({ batch: n, expires: 30e9 })), inbox);
    }
  };
  const sid = rc.subscribe(inbox, (m) => {
    if (m.headers && statusOf(m.headers) >= 100) return;
    bytes += m.data.length;
    if (++got >= count) done();
    else next();
  });
  next();
  await finished;
  rc.unsubscribe(sid);
  await rawRequest(rc, `$JS.API.CONSUMER.DELETE.${stream}.${info.name}`, {}).catch(() => undefined);
  return bytes;
}

async function rawPushRead(rc: RawNats, stream: string, subject: string, count: number): Promise<number> {
  const inbox = rawInbox();
  let got = 0;
  let bytes = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sid = rc.subscribe(inbox, (m) => {
    if (m.headers && statusOf(m.headers) >= 100) {
      if (m.reply) rc.publish(m.reply, new Uint8Array(0)); // flow control
      return;
    }
    bytes += m.data.length;
    if (++got >= count) done();
  });
  await rc.flush();
  const info = await rawRequest<{ name: string; error?: unknown }>(rc, `$JS.API.CONSUMER.CREATE.${stream}`, {
    stream_name: stream, config: { ack_policy: "none", filter_subject: subject, mem_storage: true, inactive_threshold: 30e9,
      deliver_subject: inbox, flow_control: true, idle_heartbeat: 5e9, deliver_policy: "all" },
  });
  if (!info.name) throw new Error(`consumer create failed: ${JSON.stringify(info.error)}`);
  await finished;
  rc.unsubscribe(sid);
  await rawRequest(rc, `$JS.API.CONSUMER.DELETE.${stream}.${info.name}`, {}).catch(() => undefined);
  return bytes;
}

async function runCeiling(t: CeilingTask, url: string, hooks: Hooks): Promise<void> {
  const nc = await connectNatsWs(url);
  const stream = `CEIL_${Math.random().toString(36).slice(2, 8)}`;
  const count = Math.ceil(t.size / t.msgSize);
  const bytes = count * t.msgSize;
  const jsm = await nc.jetstreamManager();
  try {
    await makeStream(nc, stream, [`${stream}.>`]);
    // unmeasured warm-up: 64 messages published and read back
    await pipelinePublish(nc, `${stream}.warmup`, 64, t.msgSize, 16);
    await chunkReaderRead(nc, stream, `${stream}.warmup`, 16, 32);
    await pushRead(nc, stream, `${stream}.warmup`, 64);
    let last = "";
    for (const w of t.windows) {
      for (const how of ["pipeline", "request"] as const) {
        await jsm.streams.purge(stream);
        const subject = `${stream}.${how}${w}`;
        await measure(hooks, `publish ${how} w${w}`, bytes,
          () => (how === "pipeline" ? pipelinePublish : requestPublish)(nc, subject, count, t.msgSize, w), { window: w, how });
        last = subject;
      }
    }
    const rc = await RawNats.connect(url);
    try {
      await pipelinePublish(nc, `${stream}.warmup2`, 64, t.msgSize, 16);
      await rawPullRead(rc, stream, `${stream}.warmup2`, 64, 16);
      for (const w of t.windows) {
        await jsm.streams.purge(stream, { filter: last });
        await measure(hooks, `publish bare-WebSocket w${w}`, bytes, () => rawPublish(rc, last, count, t.msgSize, w), { window: w, how: "bare" });
      }
      if (t.publishOnly) return;
      await measure(hooks, "read bare-WebSocket push + flow control", bytes, () => rawPushRead(rc, stream, last, count));
      for (const b of t.pullBatches) {
        await measure(hooks, `read bare-WebSocket pull b${b} w${2 * b}`, bytes, () => rawPullRead(rc, stream, last, count, b), { batch: b });
      }
    } finally {
      rc.close();
    }
    await measure(hooks, "read nats.ws ordered consumer", bytes, () => orderedRead(nc, stream, last, count));
    await measure(hooks, "read push consumer + flow control", bytes, () => pushRead(nc, stream, last, count));
    for (const b of t.pullBatches) {
      await measure(hooks, `read ChunkReader b${b} w${2 * b}`, bytes, () => chunkReaderRead(nc, stream, last, b, 2 * b), { batch: b });
    }
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- hashing

async function runHash(t: HashTask, hooks: Hooks): Promise<void> {
  const data = getPool();
  for (const name of t.hashers) {
    const f = hasherFactory(name);
    if (typeof f === "string") {
      await hooks.end({ op: `sha256 ${name}`, ok: false, bytes: 0, ms: 0, mbps: 0, error: f });
      continue;
    }
    const w = await f(); // warm-up
    for (let off = 0; off < 8 * MiB; off += t.piece) w.update(data.subarray(off, off + t.piece));
    w.digest();
    await measure(hooks, `sha256 ${name}`, t.size, async () => {
      const h = await f();
      let off = 0;
      for (let done = 0; done < t.size; done += t.piece) {
        if (off + t.piece > data.length) off = 0;
        h.update(data.subarray(off, off + t.piece));
        off += t.piece;
      }
      h.digest();
    }, { piece: t.piece });
  }
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    await hooks.end({ op: "sha256 webcrypto one-shot", ok: false, bytes: 0, ms: 0, mbps: 0, error: "crypto.subtle unavailable" });
  } else {
    await measure(hooks, "sha256 webcrypto one-shot", t.size, async () => {
      for (let done = 0; done < t.size; done += data.length) await subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
    }, { piece: data.length });
    await measure(hooks, "sha256 webcrypto per-piece", t.size, async () => {
      let off = 0;
      for (let done = 0; done < t.size; done += t.piece) {
        if (off + t.piece > data.length) off = 0;
        await subtle.digest("SHA-256", data.subarray(off, off + t.piece) as Uint8Array<ArrayBuffer>);
        off += t.piece;
      }
    }, { piece: t.piece });
  }
}

// ---------------------------------------------------------------- chunk size / window / batch study

async function runStudy(t: StudyTask, url: string, hooks: Hooks): Promise<void> {
  const nc = await connectNatsWs(url);
  const m = objectStoreManager(nc, { timeout: 30_000 });
  const os = await m.createObjectStore({ bucket: t.bucket, storage: "file" });
  const js = new JetStreamClient(nc, 30_000);
  const hasher = factory(t.hasher ?? "default");
  try {
    // unmeasured warm-up
    await os.put({ name: "obj" }, sourceStream(WARMUP, getPool()), { chunkSize: t.chunkSize, hasher });
    await drain((await os.get("obj", { hasher })).body);
    for (let round = 0; round < t.rounds; round++) {
      for (const w of t.windows) {
        await measure(hooks, `put c${t.chunkSize / KiB}K w${w}`, t.size, async () => {
          const info = await os.put({ name: "obj" }, sourceStream(t.size, getPool()), { chunkSize: t.chunkSize, window: w, hasher });
          return info.size;
        }, { chunkSize: t.chunkSize, window: w, round });
        if (t.proto) {
          await measure(hooks, `proto put c${t.chunkSize / KiB}K w${w}`, t.size, () =>
            protoPut(nc, t.bucket, "obj", sourceStream(t.size, getPool()), { chunkSize: t.chunkSize, window: w, hasher: hasher ?? defaultSha256 }),
          { chunkSize: t.chunkSize, window: w, round, proto: true });
        }
      }
      const info = await os.getInfo("obj");
      const subject = chunkSubject(t.bucket, info.nuid!);
      for (const b of t.batches) {
        await measure(hooks, `get c${t.chunkSize / KiB}K b${b}`, t.size,
          () => chunkReaderRead(nc, `OBJ_${t.bucket}`, subject, b, 2 * b, hasher), { chunkSize: t.chunkSize, batch: b, round });
      }
      await measure(hooks, `get c${t.chunkSize / KiB}K default`, t.size, async () => drain((await os.get("obj", { hasher })).body),
        { chunkSize: t.chunkSize, batch: 0, round });
    }
  } finally {
    await m.deleteObjectStore(t.bucket).catch(() => undefined);
    await nc.close().catch(() => undefined);
  }
}
