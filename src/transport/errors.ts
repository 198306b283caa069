/** Turns what nats.ws and the JetStream API report into this library's typed errors. */
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
  if (/sealed/i.test(desc)) return new SealedError("BUCKET_SEALED", `${what}: the bucket is sealed`);
  if (e.code === 403 || /permission|authoriz/i.test(desc)) return new PermissionError("PERMISSION_DENIED", msg);
  return new ServerError("SERVER_ERROR", msg);
}

/** Maps anything nats.ws threw (a NatsError, or our own error passing through) to a typed error. */
export function fromNatsError(err: unknown, what: string): ObjectStoreError {
  if (err instanceof ObjectStoreError) return err;
  const code = (err as { code?: unknown })?.code;
  const text = (err as Error)?.message ?? String(err);
  switch (code) {
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

/**
 * True for failures that a lost or restarting connection causes and that may pass: a timeout, a closed
 * socket (while the client reconnects), or JetStream not answering yet after a server restart.
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof ServerError)) return false;
  if (err.code === "TIMEOUT" || err.code === "CONNECTION_CLOSED") return true;
  return (err.cause as { code?: unknown } | undefined)?.code === "503";
}
