/**
 * The Worker side of the Worker transfer mode: serves the object store calls of pages'
 * {@link workerObjectStore} handles, so their hashing and their NATS socket run off the page's main
 * thread. A Worker script of a few lines:
 *
 * ```ts
 * // objectstore-worker.ts
 * import { connect } from "nats.ws";            // or wsconnect from "@nats-io/nats-core"
 * import { serveObjectStores } from "nats-objectstore-web/worker";
 * serveObjectStores((options) => connect(options as { servers: string }));
 * ```
 * @module
 */
import { InvalidArgumentError } from "../core/errors.js";
import { objectStoreManager } from "../manager.js";
import type { ObjectStoreConfig } from "../core/bucket-config.js";
import type { ManagerOptions } from "../options.js";
import type { ObjectStore } from "../store.js";
import type { NatsConnectionLike } from "../transport/connection.js";
import { reviveError, serializeError } from "./errors.js";
import { OPEN_TAG, PORT_SOURCE, type CallMessage, type CallPortMessage, type OpenMessage } from "./protocol.js";
import { post, receiveStream, sendStream } from "./port-stream.js";

/**
 * Opens the Worker's NATS connection for a session, given what the page passed as `connect` in
 * {@link WorkerObjectStoreOptions} (e.g. `{ servers }`). Credentials the page must not see can be added here.
 */
export type WorkerConnect<O = unknown> = (options: O) => NatsConnectionLike | Promise<NatsConnectionLike>;

/** Where sessions are opened: the Worker's global scope (default), or a `MessagePort`. */
export interface MessageScope {
  addEventListener(type: "message", listener: (ev: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (ev: MessageEvent) => void): void;
  /** A MessagePort's start(), called when present. */
  start?(): void;
}

/** Options of {@link serveObjectStores}. */
export interface ServeObjectStoresOptions {
  /** Where the pages' session requests arrive (default: the Worker's global scope, `globalThis`). */
  scope?: MessageScope;
}

/** A running {@link serveObjectStores}. */
export interface ObjectStoreHost {
  /** Stops taking new sessions and closes every session's connection this host opened. */
  close(): Promise<void>;
}

/**
 * Serves {@link workerObjectStore} sessions in this Worker. `connect` is either a function that opens a
 * connection per session from the page's `connect` options (closed with the session), or one connection
 * every session shares (left open).
 */
export function serveObjectStores<O = unknown>(connect: WorkerConnect<O> | NatsConnectionLike, options?: ServeObjectStoresOptions): ObjectStoreHost {
  const scope = options?.scope ?? (globalThis as unknown as MessageScope);
  const sessions = new Set<() => Promise<void>>();
  const onOpen = (ev: MessageEvent) => {
    const m = ev.data as Partial<OpenMessage> | null;
    if (typeof m !== "object" || m === null || m.type !== OPEN_TAG || !m.port) return;
    void openSession(m as OpenMessage, connect as WorkerConnect | NatsConnectionLike, sessions);
  };
  scope.addEventListener("message", onOpen);
  scope.start?.();
  return {
    async close() {
      scope.removeEventListener("message", onOpen);
      await Promise.all([...sessions].map((close) => close()));
    },
  };
}

async function openSession(m: OpenMessage, connect: WorkerConnect | NatsConnectionLike, sessions: Set<() => Promise<void>>): Promise<void> {
  const port = m.port;
  const own = typeof connect === "function";
  let nc: NatsConnectionLike | undefined;
  const close = async () => {
    sessions.delete(close);
    port.close();
    if (own && nc && !nc.isClosed()) await nc.close().catch(() => undefined);
  };
  sessions.add(close);
  try {
    nc = own ? await (connect as WorkerConnect)(m.connect) : (connect as NatsConnectionLike);
    const objm = objectStoreManager(nc, m.manager as ManagerOptions | undefined);
    const store = m.create
      ? await objm.createObjectStore({ ...m.create, bucket: m.bucket } as ObjectStoreConfig)
      : await objm.objectStore(m.bucket);
    port.onmessage = (ev: MessageEvent<CallMessage>) => void serveCall(store, ev.data, close);
    port.postMessage({ t: "ready" });
  } catch (err) {
    port.postMessage({ t: "fail", error: serializeError(err) });
    await close();
  }
}

/** Runs one call and answers it on its port. */
async function serveCall(store: ObjectStore, call: CallMessage, closeSession: () => Promise<void>): Promise<void> {
  const port = call.port;
  const ac = new AbortController();
  if (call.aborted) ac.abort(reviveError(call.aborted));
  const onMessage = (ev: MessageEvent<CallPortMessage>) => {
    if (ev.data.t === "abort" && !ac.signal.aborted) ac.abort(reviveError(ev.data.reason));
  };
  port.addEventListener("message", onMessage);
  port.start();
  try {
    const args = call.args;
    switch (call.op) {
      case "put": {
        const source = (args[1] as { kind?: unknown } | null)?.kind === PORT_SOURCE ? receiveStream(port) : args[1];
        return post(port, { t: "result", value: await store.put(args[0] as never, source as never, withCallbacks(args[2], call, port, ac.signal)) });
      }
      case "putFile":
        return post(port, { t: "result", value: await store.putFile(args[0] as Blob, withCallbacks(args[1], call, port, ac.signal)) });
      case "get": {
        const result = await store.get(args[0] as string, withCallbacks(args[1], call, port, ac.signal));
        post(port, { t: "got", info: result.info, range: result.range });
        return await sendStream(result.body, port);
      }
      case "close":
        post(port, { t: "result", value: undefined });
        return await closeSession();
      case "getInfo": case "delete": case "list": case "status": case "updateMeta": {
        const method = store[call.op] as (...a: unknown[]) => Promise<unknown>;
        return post(port, { t: "result", value: await method.apply(store, args) });
      }
      default:
        throw new InvalidArgumentError("INVALID_ARGUMENT", `the Worker does not serve ${String(call.op)}`);
    }
  } catch (err) {
    post(port, { t: "fail", error: serializeError(err) });
  } finally {
    port.removeEventListener("message", onMessage);
  }
}

/**
 * A put's or get's options as the page gave them, with the Worker's signal (aborted when the page's is)
 * and callbacks that post to the page. Options that are not an object are passed on for the library to refuse.
 */
function withCallbacks(given: unknown, call: CallMessage, port: MessagePort, signal: AbortSignal): never {
  if (given !== undefined && (typeof given !== "object" || given === null || Array.isArray(given))) return given as never;
  const opts: Record<string, unknown> = { ...(given as Record<string, unknown> | undefined), signal };
  if (call.callbacks?.onProgress) opts.onProgress = (progress: unknown) => post(port, { t: "progress", progress } as CallPortMessage);
  if (call.callbacks?.onCheckpoint) opts.onCheckpoint = (checkpoint: unknown) => post(port, { t: "checkpoint", checkpoint } as CallPortMessage);
  return opts as never;
}
