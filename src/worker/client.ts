/**
 * The page side of the Worker transfer mode: an object-store-like handle whose put and get run their
 * hashing and their NATS socket in a dedicated Worker (see {@link serveObjectStores}), so a page that
 * uploads or downloads stays responsive.
 *
 * ```ts
 * const worker = new Worker(new URL("./objectstore-worker.ts", import.meta.url), { type: "module" });
 * const store = await workerObjectStore(worker, { bucket: "files", connect: { servers: "wss://nats.example.com" } });
 * const info = await store.put({ name: file.name }, file, { onProgress: (p) => (bar.value = p.bytes / p.total!) });
 * const blob = await (await store.get(info.name)).blob();
 * ```
 * @module
 */
import { checkSignal, guardCallback, CallbackError } from "../core/check-options.js";
import { InvalidArgumentError, ServerError } from "../core/errors.js";
import type { ObjectStoreConfig, ObjectStoreStatus } from "../core/bucket-config.js";
import type { ObjectInfo, ObjectMeta } from "../core/meta.js";
import { ObjectResult } from "../core/object-result.js";
import type { PutSource } from "../core/source.js";
import type { GetInfoOptions, GetOptions, ListOptions, ManagerOptions, PutOptions, RevisionOptions } from "../options.js";
import { reviveError, serializeError, type SerializedError } from "./errors.js";
import { OPEN_TAG, PORT_SOURCE, type CallMessage, type CallPortMessage, type OpenMessage, type Operation } from "./protocol.js";
import { DEFAULT_STREAM_WINDOW, ownBuffer, post, receiveStream, sendStream } from "./port-stream.js";

/** What a session is opened through: the Worker, or a port whose other end the Worker serves. */
export type WorkerTarget = Pick<Worker, "postMessage"> | MessagePort;

/** Options of {@link workerObjectStore}. */
export interface WorkerObjectStoreOptions<O = unknown> {
  /** The bucket. */
  bucket: string;
  /** Passed to the Worker's connect function (structured-cloned): e.g. `{ servers: "wss://…" }`. */
  connect?: O;
  /** Create the bucket (with this configuration, or the defaults for `true`) instead of opening it. */
  create?: boolean | Omit<ObjectStoreConfig, "bucket">;
  /** The Worker's manager options (timeout, apiPrefix, inboxPrefix). */
  manager?: ManagerOptions;
  /** Chunks of a get's body sent ahead of its reader (default 8: 1 MiB of 128 KiB chunks). */
  window?: number;
  /**
   * Transfer a put's `ReadableStream` source to the Worker (default: where the engine can, see
   * {@link canTransferStreams}); `false` pumps it over the session with credit-based backpressure instead.
   */
  transferStreams?: boolean;
}

/** Options of a put through the Worker: {@link PutOptions} less `hasher` (the Worker picks its own). */
export type WorkerPutOptions = Omit<PutOptions, "hasher">;
/** Options of a get through the Worker: {@link GetOptions} less `hasher`. */
export type WorkerGetOptions = Omit<GetOptions, "hasher">;

/**
 * Opens a session on `bucket` in a Worker that runs {@link serveObjectStores}: the Worker connects (with
 * `options.connect`) and opens (or creates) the bucket. Rejects with the library's typed error when it cannot.
 */
export async function workerObjectStore<O = unknown>(target: WorkerTarget, options: WorkerObjectStoreOptions<O>): Promise<WorkerObjectStore> {
  if (typeof options !== "object" || options === null || typeof options.bucket !== "string") {
    throw new InvalidArgumentError("CONFIG_REQUIRED", "workerObjectStore needs { bucket }");
  }
  const { port1, port2 } = new MessageChannel();
  const create = options.create === true ? {} : options.create || undefined;
  const open: OpenMessage = {
    type: OPEN_TAG, port: port2, connect: options.connect, bucket: options.bucket,
    create: create as Record<string, unknown> | undefined, manager: options.manager as Record<string, unknown> | undefined,
  };
  const answer = new Promise<{ t: "ready" } | { t: "fail"; error: SerializedError }>((resolve) => {
    port1.onmessage = (ev) => resolve(ev.data as { t: "ready" } | { t: "fail"; error: SerializedError });
  });
  try {
    target.postMessage(open, [port2]);
  } catch (err) {
    port1.close();
    throw notCloneable("workerObjectStore", err);
  }
  const m = await answer;
  port1.onmessage = null;
  if (m.t === "fail") {
    port1.close();
    throw reviveError(m.error);
  }
  const transferStreams = options.transferStreams ?? canTransferStreams();
  const store = new WorkerObjectStore(port1, options.bucket, options.window ?? DEFAULT_STREAM_WINDOW, transferStreams);
  (target as Partial<Pick<Worker, "addEventListener">>).addEventListener?.("error", () => store.fail("the Worker failed"));
  return store;
}

/**
 * A bucket served by a Worker: the {@link ObjectStore} operations a page needs, with the same arguments,
 * results and typed errors. Progress callbacks and abort signals cross to the Worker; a put's source is
 * handed over without copying where the platform allows (a Blob or File is cloned by reference, bytes and
 * streams are transferred); a get's body streams back with backpressure, each chunk's buffer transferred.
 */
export class WorkerObjectStore {
  /** @internal use {@link workerObjectStore} */
  constructor(
    private readonly session: MessagePort,
    /** The bucket's name. */
    readonly bucket: string,
    private readonly window: number,
    private readonly transferStreams: boolean,
  ) {}

  /** Why the session ended, once it has: every call then rejects with `CONNECTION_CLOSED`. */
  private ended: string | undefined;
  /** The calls waiting for their answer: failed at once when the session ends. */
  private readonly pending = new Set<(err: Error) => void>();

  /** @internal Ends the session (the Worker failed, or {@link close}): pending and later calls reject. */
  fail(why: string): void {
    this.ended ??= why;
    for (const reject of [...this.pending]) reject(new ServerError("CONNECTION_CLOSED", `${why}`));
  }

  /**
   * Stores `source` as `meta.name`, as {@link ObjectStore.put} does, in the Worker. A `Uint8Array` or
   * `ArrayBuffer` source is transferred: the caller's buffer is detached afterwards (pass `bytes.slice()`
   * to keep it), unless the array is a view of part of a larger buffer (then that part is copied). A
   * `ReadableStream` is transferred where the engine can, else pumped to the Worker as the put reads it;
   * an (async) iterable is read on the page the same way.
   */
  put(meta: ObjectMeta, source: PutSource, opts?: WorkerPutOptions): Promise<ObjectInfo> {
    const { sent, transfer, pump } = prepareSource(source, this.transferStreams);
    return this.call("put", [meta, sent, opts], { opts, transfer, pump }) as Promise<ObjectInfo>;
  }

  /** Stores a browser `File` (or Blob) under its name, as {@link ObjectStore.putFile} does. */
  putFile(file: Blob, opts?: WorkerPutOptions & { meta?: Partial<ObjectMeta> }): Promise<ObjectInfo> {
    return this.call("putFile", [file, opts], { opts }) as Promise<ObjectInfo>;
  }

  /**
   * Reads an object, as {@link ObjectStore.get} does: the same {@link ObjectResult}, its body verified in
   * the Worker and streamed to the page, at most `window` chunks ahead of the body's reader.
   */
  get(name: string, opts?: WorkerGetOptions): Promise<ObjectResult> {
    return this.call("get", [name, opts], { opts }) as Promise<ObjectResult>;
  }

  /** The current info of an object (see {@link ObjectStore.getInfo}). */
  getInfo(name: string, options?: GetInfoOptions): Promise<ObjectInfo> {
    return this.call("getInfo", [name, options]) as Promise<ObjectInfo>;
  }

  /** Changes an object's meta (see {@link ObjectStore.updateMeta}). */
  updateMeta(name: string, meta: ObjectMeta, options?: RevisionOptions): Promise<ObjectInfo> {
    return this.call("updateMeta", [name, meta, options]) as Promise<ObjectInfo>;
  }

  /** Deletes an object (see {@link ObjectStore.delete}). */
  delete(name: string, options?: RevisionOptions): Promise<void> {
    return this.call("delete", [name, options]) as Promise<void>;
  }

  /** The bucket's objects (see {@link ObjectStore.list}; `onBadMeta` cannot cross to the Worker). */
  list(options?: Omit<ListOptions, "onBadMeta">): Promise<ObjectInfo[]> {
    return this.call("list", [options]) as Promise<ObjectInfo[]>;
  }

  /** The bucket's status (see {@link ObjectStore.status}). */
  status(): Promise<ObjectStoreStatus> {
    return this.call("status", []) as Promise<ObjectStoreStatus>;
  }

  /** Ends the session: the Worker closes the connection it opened for it. The Worker itself keeps running. */
  async close(): Promise<void> {
    if (this.ended) return;
    await this.call("close", []);
    this.fail("the session is closed");
    this.session.close();
  }

  /** Posts one call and settles with its answer (see protocol.ts). */
  private call(op: Operation, args: unknown[], how: CallHow = {}): Promise<unknown> {
    const o = (how.opts ?? {}) as { signal?: unknown; onProgress?: unknown; onCheckpoint?: unknown };
    const optsGiven = typeof how.opts === "object" && how.opts !== null;
    const signal = optsGiven ? checkSignal(o.signal, op) : undefined;
    const onProgress = optsGiven && typeof o.onProgress === "function" ? guardCallback(o.onProgress as (p: unknown) => unknown, "onProgress") : undefined;
    const onCheckpoint = optsGiven && typeof o.onCheckpoint === "function" ? guardCallback(o.onCheckpoint as (c: unknown) => unknown, "onCheckpoint") : undefined;
    if (optsGiven) {
      const { signal: _s, onProgress: _p, onCheckpoint: _c, ...rest } = how.opts as Record<string, unknown>;
      args = args.map((a) => (a === how.opts ? rest : a));
    }
    if (this.ended) return Promise.reject(new ServerError("CONNECTION_CLOSED", `${op}: ${this.ended}`));
    const { port1: port, port2 } = new MessageChannel();
    return new Promise<unknown>((resolve, reject) => {
      let failedCallback: CallbackError | undefined;
      const done = () => {
        signal?.removeEventListener("abort", onAbort);
        port.removeEventListener("message", onMessage);
        this.pending.delete(reject);
      };
      const finish = () => {
        done();
        port.close();
      };
      const abort = (reason: unknown) => post(port, { t: "abort", reason: serializeError(reason) });
      const onAbort = () => abort(signal!.reason);
      /** A callback threw: the call is aborted in the Worker and fails with the callback's error. */
      const callback = (fn: ((v: unknown) => void) | undefined, v: unknown) => {
        if (!fn || failedCallback) return;
        try {
          fn(v);
        } catch (err) {
          failedCallback = err instanceof CallbackError ? err : new CallbackError("CALLBACK_FAILED", String(err), { cause: err });
          abort(failedCallback);
        }
      };
      const revive = (e: SerializedError) => failedCallback ?? reviveError(e);
      const onMessage = (ev: MessageEvent<CallPortMessage>) => {
        const m = ev.data;
        if (m.t === "progress") callback(onProgress as (v: unknown) => void, m.progress);
        else if (m.t === "checkpoint") callback(onCheckpoint as (v: unknown) => void, m.checkpoint);
        else if (m.t === "result") {
          finish();
          if (failedCallback) reject(failedCallback);
          else resolve(m.value);
        } else if (m.t === "fail") {
          finish();
          reject(revive(m.error));
        } else if (m.t === "got") {
          // the body keeps the port (and the abort listener) until it ends
          port.removeEventListener("message", onMessage);
          this.pending.delete(reject);
          port.addEventListener("message", onBodyProgress);
          const body = receiveStream(port, this.window, (ended) => {
            signal?.removeEventListener("abort", onAbort);
            port.removeEventListener("message", onBodyProgress);
            if (ended) port.close();
          }, revive);
          resolve(new ObjectResult(m.info, body, m.range));
        }
      };
      const onBodyProgress = (ev: MessageEvent<CallPortMessage>) => {
        if (ev.data.t === "progress") callback(onProgress as (v: unknown) => void, ev.data.progress);
      };
      port.addEventListener("message", onMessage);
      port.start();
      this.pending.add(reject);
      const call: CallMessage = {
        op, args, port: port2,
        aborted: signal?.aborted ? serializeError(signal.reason) : undefined,
        callbacks: { onProgress: onProgress !== undefined, onCheckpoint: onCheckpoint !== undefined },
      };
      try {
        this.session.postMessage(call, [port2, ...(how.transfer ?? [])]);
      } catch (err) {
        finish();
        reject(notCloneable(op, err));
        return;
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      if (how.pump) void sendStream(how.pump, port);
    });
  }
}

/** How {@link WorkerObjectStore.call} treats a call's options, source and body. */
interface CallHow {
  /** The options argument: its signal and callbacks stay on the page. */
  opts?: unknown;
  /** Transferred with the call. */
  transfer?: Transferable[];
  /** A put source streamed on the call port. */
  pump?: ReadableStream<Uint8Array> | undefined;
}

function notCloneable(what: string, err: unknown): Error {
  if (err instanceof Error && err.name === "DataCloneError") {
    return new InvalidArgumentError("INVALID_ARGUMENT",
      `${what}: an argument cannot be sent to the Worker (functions such as a hasher stay on their side): ${err.message}`, { cause: err });
  }
  return new ServerError("CONNECTION_CLOSED", `${what}: cannot post to the Worker: ${(err as Error)?.message ?? err}`, { cause: err });
}

let transferableStreams: boolean | undefined;

/** True when this engine can transfer a `ReadableStream` through `postMessage`. */
export function canTransferStreams(): boolean {
  if (transferableStreams === undefined) {
    const { port1, port2 } = new MessageChannel();
    try {
      const probe = new ReadableStream();
      port1.postMessage(probe, [probe as unknown as Transferable]);
      transferableStreams = true;
    } catch {
      transferableStreams = false;
    } finally {
      port1.close();
      port2.close();
    }
  }
  return transferableStreams;
}

/** A put source as it crosses: what is posted, what is transferred, and a stream to pump instead. */
function prepareSource(source: unknown, transferStreams: boolean): { sent: unknown; transfer: Transferable[]; pump?: ReadableStream<Uint8Array> } {
  if (typeof source === "string" || (typeof Blob !== "undefined" && source instanceof Blob)) return { sent: source, transfer: [] };
  if (source instanceof ArrayBuffer) return prepareSource(new Uint8Array(source), transferStreams);
  if (ArrayBuffer.isView(source)) {
    const bytes = ownBuffer(new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
    return { sent: bytes, transfer: [bytes.buffer] };
  }
  let stream: ReadableStream<Uint8Array> | undefined;
  if (typeof ReadableStream !== "undefined" && source instanceof ReadableStream) stream = source;
  else if (typeof source === "object" && source !== null && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
    stream = iterableStream(source as AsyncIterable<Uint8Array>);
  }
  if (!stream) return { sent: source, transfer: [] };
  if (transferStreams) return { sent: stream, transfer: [stream as unknown as Transferable] };
  return { sent: { kind: PORT_SOURCE }, transfer: [], pump: stream };
}

/** A stream of an (async) iterable's pieces, read as the stream is pulled. */
function iterableStream(it: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): ReadableStream<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      iterator ??= Symbol.asyncIterator in it ? it[Symbol.asyncIterator]() : (it as Iterable<Uint8Array>)[Symbol.iterator]();
      const r = await iterator.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await iterator?.return?.();
    },
  }, { highWaterMark: 0 });
}
