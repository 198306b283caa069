/**
 * The Service Worker edge: serves `<scope>/<prefix>/<bucket>/<name>` from NATS, so `<video src>`,
 * `<img src>` and `<a href download>` read objects straight from the object store, ranges and all, with
 * no Blob copy in the page. Package subpath `nats-objectstore-web/service-worker`; import it only from a
 * Service Worker script (it registers listeners on the worker's global scope).
 *
 * ```ts
 * // sw.ts, registered as navigator.serviceWorker.register("/sw.js?servers=wss://nats.example.com:8443")
 * import { optionsFromScriptUrl, serveObjectStore } from "nats-objectstore-web/service-worker";
 * serveObjectStore(optionsFromScriptUrl());
 * ```
 * @module
 */
import { connect, type ConnectionOptions } from "nats.ws";
import type { NatsConnectionLike } from "../transport/connection.js";
import { objectStoreManager } from "../manager.js";
import type { ManagerOptions } from "../options.js";
import type { BucketOpener, ObjectStore } from "../store.js";
import { ERROR_CODE_HEADER, errorResponse } from "../http/error-response.js";
import { handleObjectRequest, parseObjectPath } from "../http/object-router.js";
import type { ObjectResponseOptions } from "../http/object-response.js";

/** The default prefix, relative to the worker's scope: objects are at `<scope>nats/<bucket>/<name>`. */
const DEFAULT_SW_PREFIX = "nats";

/** The part of a `FetchEvent` this module uses. */
export interface FetchEventLike extends Event {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
  /** Keeps the worker alive until the promise settles (FetchEvent is an ExtendableEvent). */
  waitUntil?(promise: Promise<unknown>): void;
}

/** The part of an `ExtendableEvent` (install, activate) this module uses. */
export interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

/** The part of `ServiceWorkerGlobalScope` this module uses (typed here so no WebWorker lib is needed). */
export interface ServiceWorkerScopeLike {
  readonly location: { readonly href: string };
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "fetch", listener: (event: FetchEventLike) => void): void;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEventLike) => void): void;
}

/** One request the worker answered, for logs and metrics (see {@link ServeObjectStoreOptions.onServe}). */
export interface ServedRequest {
  /** The request's method. */
  method: string;
  /** The request's URL. */
  url: string;
  /** The request's `Range` header, if any. */
  range: string | null;
  /** The response's status. */
  status: number;
  /** The response's `Content-Range`, if any (206 and 416). */
  contentRange: string | null;
  /** The error code of an error response (`OBJECT_NOT_FOUND`, …). */
  error: string | null;
  /** Milliseconds until the response's headers were ready (its body streams after). */
  ms: number;
}

/** Options of {@link serveObjectStore}. */
export interface ServeObjectStoreOptions extends Omit<ObjectResponseOptions, "opener"> {
  /** The nats-server WebSocket URL(s). Required unless `connect` is given. */
  servers?: string | string[] | undefined;
  /**
   * Where objects are served: relative to the worker's scope (default `nats`, i.e. `<scope>nats/…`),
   * or an absolute path (`/files`).
   */
  prefix?: string | undefined;
  /** Options for nats.ws `connect` besides `servers` (name, timeouts, authenticator, …). */
  connectOptions?: Omit<ConnectionOptions, "servers">;
  /**
   * Opens the connection instead of nats.ws `connect` with `servers`: to fetch credentials first, or to
   * use a v3 client (`() => wsconnect({ servers })` from `@nats-io/nats-core`). (A service worker
   * cannot load modules on demand, so this entry point always carries nats.ws.)
   */
  connect?: () => Promise<NatsConnectionLike>;
  /** Options of the object store manager. */
  manager?: ManagerOptions;
  /** Called once per answered request, when its headers are ready. */
  onServe?: (served: ServedRequest) => void;
  /** Take over at once: `skipWaiting()` on install and `clients.claim()` on activate (default true). */
  claim?: boolean;
  /** The worker's global scope (default `globalThis`). */
  scope?: ServiceWorkerScopeLike;
}

/** What {@link serveObjectStore} returns. */
export interface ObjectStoreWorker {
  /** The absolute URL path objects are served under, e.g. `/app/nats`. */
  readonly prefix: string;
  /** The worker's connection, opened (or reopened, when it closed) on demand. */
  connection(): Promise<NatsConnectionLike>;
  /** Answers a request under the prefix (`undefined` for others), for workers with their own fetch listener. */
  handle(request: Request): Promise<Response | undefined>;
  /** Closes the connection (the next request opens a new one). */
  close(): Promise<void>;
}

/** One connection and the buckets opened on it. */
interface Session {
  nc: NatsConnectionLike;
  opener: BucketOpener;
}

/** Opens each bucket once per connection; a failed open is forgotten so it is tried again. */
function cachingOpener(nc: NatsConnectionLike, opts?: ManagerOptions): BucketOpener {
  const manager = objectStoreManager(nc, opts);
  const open = new Map<string, Promise<ObjectStore>>();
  return {
    objectStore(bucket: string): Promise<ObjectStore> {
      let store = open.get(bucket);
      if (!store) {
        store = manager.objectStore(bucket);
        open.set(bucket, store);
        store.catch(() => open.delete(bucket));
      }
      return store;
    },
  };
}

/**
 * The options a worker script was registered with, from its URL's query:
 * `sw.js?servers=ws://a:8080&servers=ws://b:8080&prefix=files` (`servers` may also be comma-separated).
 * Credentials do not belong in that URL (it is readable by every page of the origin and kept in the
 * registration); use {@link ServeObjectStoreOptions.connect} or `connectOptions` for them.
 */
export function optionsFromScriptUrl(href?: string): { servers: string[]; prefix?: string } {
  const url = new URL(href ?? (globalThis as unknown as ServiceWorkerScopeLike).location.href);
  const servers = url.searchParams.getAll("servers").flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
  const prefix = url.searchParams.get("prefix");
  return prefix ? { servers, prefix } : { servers };
}

/** The absolute path of `prefix`, resolved against the worker's scope, without a trailing slash. */
function prefixPath(prefix: string, scope: string): string {
  const path = new URL(prefix.replace(/\/*$/, "/"), scope).pathname;
  return path.replace(/\/+$/, "");
}

/**
 * Makes this Service Worker serve objects: a `fetch` listener answers same-origin GET and HEAD (and
 * refuses other methods with 405) under `<scope>/<prefix>/` from the object store; every other request
 * goes to the network as if there were no worker. One NATS connection is opened on the first such
 * request and reopened when it has closed. With `claim` (the default) a new worker takes over open pages
 * at once.
 */
export function serveObjectStore(opts: ServeObjectStoreOptions = {}): ObjectStoreWorker {
  const scope = opts.scope ?? (globalThis as unknown as ServiceWorkerScopeLike);
  const prefix = prefixPath(opts.prefix ?? DEFAULT_SW_PREFIX, scope.registration.scope);
  const origin = new URL(scope.location.href).origin;
  const servers = typeof opts.servers === "string" ? [opts.servers] : opts.servers ?? [];
  const open = opts.connect ?? (() => {
    if (servers.length === 0) {
      throw new Error("serveObjectStore needs `servers` (or `connect`): register the worker as sw.js?servers=ws://host:port");
    }
    return connect({ name: "objectstore-service-worker", ...opts.connectOptions, servers });
  });

  let session: Promise<Session> | undefined;
  const current = async (): Promise<Session> => {
    const pending = session;
    if (pending) {
      const s = await pending.catch(() => undefined);
      if (s && !s.nc.isClosed()) return s;
      if (session !== pending) return current();
    }
    const next = (async (): Promise<Session> => {
      const nc = await open();
      return { nc, opener: cachingOpener(nc, opts.manager) };
    })();
    session = next;
    return next;
  };

  /** Same origin and under the prefix (a malformed path there too: it is answered with a 400). */
  const mine = (url: URL): boolean => url.origin === origin && underPrefix(url, prefix);

  const handle = async (request: Request): Promise<Response | undefined> => {
    if (!mine(new URL(request.url))) return undefined;
    let s: Session;
    try {
      s = await current();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const why = `${typeof code === "string" ? `${code}: ` : ""}${err instanceof Error ? err.message : String(err)}`;
      return errorResponse(502, "CONNECTION_FAILED", `cannot connect to NATS: ${why}`, opts.headers);
    }
    return handleObjectRequest(s.opener, request, { ...opts, prefix });
  };

  const served = async (request: Request): Promise<Response> => {
    const t0 = Date.now();
    const response = (await handle(request)) ?? (await fetch(request));
    try {
      opts.onServe?.({
        method: request.method,
        url: request.url,
        range: request.headers.get("Range"),
        status: response.status,
        contentRange: response.headers.get("Content-Range"),
        error: response.headers.get(ERROR_CODE_HEADER),
        ms: Date.now() - t0,
      });
    } catch {
      // a failing log hook must not fail the response
    }
    return response;
  };

  scope.addEventListener("fetch", (event) => {
    if (!mine(new URL(event.request.url))) return;
    // A browser may stop a worker whose events have all settled while a response body is still being
    // written (Firefox: 30 s after respondWith settles), cutting long downloads: the event waits for
    // the body, as long as the browser allows extended events (Firefox: 5 min).
    let bodyDone = (): void => undefined;
    event.waitUntil?.(new Promise<void>((resolve) => (bodyDone = resolve)));
    event.respondWith(
      served(event.request).then(
        (response) => untilRead(response, bodyDone),
        (err: unknown) => {
          bodyDone();
          throw err;
        },
      ),
    );
  });
  if (opts.claim ?? true) {
    scope.addEventListener("install", (event) => event.waitUntil(scope.skipWaiting()));
    scope.addEventListener("activate", (event) => event.waitUntil(scope.clients.claim()));
  }

  return {
    prefix,
    connection: async () => (await current()).nc,
    handle,
    close: async () => {
      const s = await session?.catch(() => undefined);
      session = undefined;
      await s?.nc.close();
    },
  };
}

/**
 * `response` with a body that calls `done` once it has been read to its end, has failed or was cancelled
 * (at once for a response without a body). Status and headers are kept.
 */
function untilRead(response: Response, done: () => void): Response {
  const source = response.body;
  if (!source) {
    done();
    return response;
  }
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const r = await reader.read();
          if (r.done) {
            controller.close();
            done();
          } else controller.enqueue(r.value);
        } catch (err) {
          controller.error(err);
          done();
        }
      },
      cancel(reason) {
        done();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** True for a URL under the prefix, including malformed ones. */
function underPrefix(url: URL, prefix: string): boolean {
  try {
    return parseObjectPath(url, prefix) !== undefined;
  } catch {
    return true;
  }
}
