/** Turns what the NATS clients (nats.ws and v3) and the JetStream API report into this library's typed errors. */
import {
  ConflictError,
  NotFoundError,
  ObjectStoreError,
  PermissionError,
  SealedError,
  ServerError,
} from "../core/errors.js";

/** The error object in a JetStream API response. */
export interface ApiErrorBody {
  code?: number;
  err_code?: number;
  description?: string;
}

/** JetStream API error codes this library acts on. */
export const API_ERR = {
  streamNotFound: 10059,
  streamNameInUse: 10058,
  noMessageFound: 10037,
  wrongLastSequence: 10071,
  consumerNotFound: 10014,
  maxBytesExceeded: 10077,
  maxMsgsExceeded: 10078,
  /** 2.11+: the stream's ingest queue is full (`jetstream { max_buffered_size, max_buffered_msgs }`); status 429. */
  tooManyRequests: 10167,
} as const;

/** Maps a JetStream API error to a typed error. `what` names the operation for the message. */
export function fromApiError(e: ApiErrorBody, what: string): ObjectStoreError {
  const desc = e.description ?? "unknown error";
  const msg = `${what}: ${desc}`;
  switch (e.err_code) {
    case API_ERR.streamNotFound:
      return new NotFoundError("BUCKET_NOT_FOUND", `${what}: bucket not found`);
    case API_ERR.streamNameInUse:
      return new ConflictError("BUCKET_EXISTS", `${what}: a bucket of that name exists with another configuration`);
    case API_ERR.wrongLastSequence:
      return new ConflictError("REVISION_MISMATCH", `${what}: the object changed since the given revision (${desc})`);
  }
  if (e.err_code === API_ERR.tooManyRequests || e.code === 429) {
    return new ServerError("SERVER_ERROR", `${what}: too many requests (the stream's ingest queue is full)`, { cause: e });
  }
  if (/sealed/i.test(desc)) return new SealedError("BUCKET_SEALED", `${what}: the bucket is sealed`);
  if (e.err_code === API_ERR.maxBytesExceeded || e.err_code === API_ERR.maxMsgsExceeded ||
    /maximum (bytes|messages) exceeded|resources exceeded/i.test(desc)) {
    return new ConflictError("BUCKET_FULL", `${what}: the bucket is full (${desc})`);
  }
  if (e.code === 403 || /permission|authoriz/i.test(desc)) return new PermissionError("PERMISSION_DENIED", msg);
  return new ServerError("SERVER_ERROR", msg);
}

/**
 * The v3 clients' error classes, by name (they are not imported: this library takes any client). A v3
 * request wraps what went wrong in a `RequestError` whose `cause` says it.
 */
const V3_ERRORS: Record<string, string> = {
  TimeoutError: "TIMEOUT",
  NoResponders: "503",
  PermissionViolationError: "PERMISSIONS_VIOLATION",
  AuthorizationError: "AUTHORIZATION_VIOLATION",
  UserAuthenticationExpiredError: "AUTHORIZATION_VIOLATION",
  ClosedConnectionError: "CONNECTION_CLOSED",
  DrainingConnectionError: "CONNECTION_DRAINING",
  ConnectionError: "DISCONNECT",
};

/**
 * The nats.ws error code of what a client threw (`TIMEOUT`, `503`, `PERMISSIONS_VIOLATION`, …): nats.ws
 * errors carry it, v3 errors are recognised by class name (through a `RequestError`'s cause).
 */
export function natsErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (typeof e?.code === "string") return e.code;
  const name = typeof e?.name === "string" ? e.name : "";
  if (V3_ERRORS[name]) return V3_ERRORS[name];
  if (name === "RequestError") {
    const inner = e?.cause === undefined ? undefined : natsErrorCode(e.cause);
    if (inner) return inner;
    if (/connection (closed|disconnected)/i.test(String(e?.message))) return "DISCONNECT";
  }
  if (name === "InvalidArgumentError" && /max_payload/i.test(String(e?.message))) return "MAX_PAYLOAD_EXCEEDED";
  return undefined;
}

/** Maps anything a NATS client threw (nats.ws or v3, or our own error passing through) to a typed error. */
export function fromNatsError(err: unknown, what: string): ObjectStoreError {
  if (err instanceof ObjectStoreError) return err;
  const text = (err as Error)?.message ?? String(err);
  switch (natsErrorCode(err)) {
    case "TIMEOUT":
      return new ServerError("TIMEOUT", `${what}: timed out`, { cause: err });
    case "503":
      return new ServerError("SERVER_ERROR", `${what}: JetStream is not available (no responders)`, { cause: err });
    case "PERMISSIONS_VIOLATION":
    case "AUTHORIZATION_VIOLATION":
      return new PermissionError("PERMISSION_DENIED", `${what}: permission denied`, { cause: err });
    case "CONNECTION_CLOSED":
    case "CONNECTION_DRAINING":
    case "DISCONNECT":
    case "CONNECTION_REFUSED":
      return new ServerError("CONNECTION_CLOSED", `${what}: the connection is closed`, { cause: err });
    case "MAX_PAYLOAD_EXCEEDED":
      return new ServerError("SERVER_ERROR", `${what}: message larger than the server's max_payload`, { cause: err });
  }
  if (/permission/i.test(text)) return new PermissionError("PERMISSION_DENIED", `${what}: permission denied`, { cause: err });
  return new ServerError("SERVER_ERROR", `${what}: ${text}`, { cause: err });
}

/** True for this library's `BUCKET_NOT_FOUND`: the bucket's stream does not exist (any more). */
export function isBucketNotFound(err: unknown): err is NotFoundError {
  return err instanceof NotFoundError && err.code === "BUCKET_NOT_FOUND";
}

/** True for a publish the server dropped because the stream's ingest queue was full (2.11+, 429 / 10167). */
export function isTooManyRequests(err: unknown): boolean {
  if (!(err instanceof ServerError)) return false;
  const cause = err.cause as ApiErrorBody | undefined;
  return cause?.err_code === API_ERR.tooManyRequests || cause?.code === 429;
}

/**
 * True for failures that a lost or restarting connection causes and that may pass: a timeout, a closed
 * socket (while the client reconnects), JetStream not answering yet after a server restart, or a stream
 * too busy to take a publish (429).
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof ServerError)) return false;
  if (err.code === "TIMEOUT" || err.code === "CONNECTION_CLOSED" || isTooManyRequests(err)) return true;
  return natsErrorCode(err.cause) === "503";
}
