/**
 * What this library needs of a NATS connection, as a structural type: a nats.ws connection and every
 * v3 connection (`@nats-io/nats-core` `wsconnect()`, `@nats-io/transport-node` and
 * `@nats-io/transport-deno` `connect()`) fit it without an adapter. Nothing here is imported from a
 * client at run time: inboxes and outgoing headers are made by this library, so a browser bundle carries
 * only the client its page chose.
 */
/** The headers of a received message, as both client generations expose them. */
export interface ReceivedHeaders {
  /** A header's first value, or `""` when absent. */
  get(key: string): string;
  /** True when the header is present. */
  has(key: string): boolean;
  /** The status code of a status message (`NATS/1.0 404 …`), 0 for an ordinary message. */
  readonly code: number;
  /** The status description of a status message. */
  readonly description: string;
}

/** A received message: what subscription callbacks and request replies carry. */
export interface ReceivedMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly reply?: string | undefined;
  readonly headers?: ReceivedHeaders | undefined;
}

/**
 * Headers of an outgoing message. Both clients serialise them by calling `encode()` (this library's
 * {@link ../transport/wire-headers.js WireHeaders} has it); the type names only what both clients'
 * header classes share, so tests may pass the client's own `headers()` too.
 */
export interface OutgoingHeaders {
  set(key: string, value: string): void;
  get(key: string): string;
}

/** A subscription: stopped with `unsubscribe()`. */
export interface NatsSubscription {
  unsubscribe(max?: number): void;
}

/** One status event of the connection; `type` is `"reconnect"`, `"disconnect"`, `"error"`, … */
export interface ConnectionStatus {
  readonly type: string;
}

/** The parts of the server's INFO this library reads. */
export interface ServerInfoView {
  readonly version: string;
  readonly max_payload: number;
  readonly headers?: boolean;
}

/**
 * A NATS connection as this library uses it: nats.ws's `NatsConnection` and the v3 `NatsConnection`
 * both satisfy it.
 */
export interface NatsConnectionLike {
  /** The server's INFO once connected. */
  readonly info?: ServerInfoView | undefined;
  /** Publishes a message (with a reply subject and headers when given). */
  publish(subject: string, payload?: Uint8Array, options?: { reply?: string; headers?: OutgoingHeaders }): void;
  /** Sends a request and resolves with its first reply; rejects on timeout and with no responders. */
  request(subject: string, payload?: Uint8Array, options?: { timeout: number; headers?: OutgoingHeaders }): Promise<ReceivedMessage>;
  /**
   * Subscribes; the callback gets an error (and no usable message) when the server refuses the
   * subscription or the connection ends it.
   */
  subscribe(subject: string, options?: { callback?: (err: Error | null, msg: ReceivedMessage) => void; max?: number }): NatsSubscription;
  /** Resolves when the connection is closed for good (with the error that closed it, if any). */
  closed(): Promise<void | Error>;
  /** True once the connection is closed. */
  isClosed(): boolean;
  /** The connection's status events, until it closes. */
  status(): AsyncIterable<ConnectionStatus>;
  /** Flushes and closes the connection. */
  close(): Promise<void>;
}

/**
 * The inbox prefix the connection was opened with (`inboxPrefix`; both clients keep their options on
 * `nc.options`), `_INBOX` when it has none. Replies to our own subscriptions go under it, so a user
 * whose permissions allow only their own prefix can use every operation.
 */
export function inboxPrefixOf(nc: NatsConnectionLike): string {
  const prefix = (nc as { options?: { inboxPrefix?: unknown } }).options?.inboxPrefix;
  return typeof prefix === "string" && prefix !== "" ? prefix : "_INBOX";
}

/** Where a refused publish or subscription is named in a status event of either client generation. */
export interface PermissionContext {
  operation: string;
  subject: string;
}

/**
 * The permission violation a status event reports, if it is one: nats.ws puts it in `permissionContext`,
 * v3 in `error` (a `PermissionViolationError` with `operation` and `subject`).
 */
export function permissionOf(status: ConnectionStatus): PermissionContext | undefined {
  if (status.type !== "error") return undefined;
  const s = status as { permissionContext?: Partial<PermissionContext>; error?: Partial<PermissionContext> };
  const ctx = s.permissionContext ?? s.error;
  return typeof ctx?.operation === "string" && typeof ctx.subject === "string"
    ? { operation: ctx.operation, subject: ctx.subject }
    : undefined;
}

/** The status iterator of a connection, with the `stop()` both clients' iterators have. */
export function statusOf(nc: NatsConnectionLike): AsyncIterable<ConnectionStatus> & { stop(): void } {
  const it = nc.status() as AsyncIterable<ConnectionStatus> & { stop?: () => void };
  if (typeof it.stop === "function") return it as AsyncIterable<ConnectionStatus> & { stop(): void };
  return Object.assign(it, { stop: () => undefined });
}
