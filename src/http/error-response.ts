/** Failures as HTTP responses: a status from the error's code, and `CODE: message` as a text body. */
import { ObjectStoreError } from "../core/errors.js";

/** The header that carries the library's error code on an error response. */
export const ERROR_CODE_HEADER = "X-Object-Store-Error";

/**
 * The HTTP status for an error: 404 not found (also a link to a whole bucket, which is no object),
 * 400 a bad bucket or object name, 403 permission denied, 503 connection closed or aborted,
 * 504 timeout, 500 a corrupt stored meta, 508 a chain of links too long (a cycle), 502 anything else
 * from the server or connection.
 */
export function statusForError(err: unknown): number {
  if (!(err instanceof ObjectStoreError)) return 502;
  switch (err.code) {
    case "BUCKET_NOT_FOUND":
    case "OBJECT_NOT_FOUND":
    case "NO_OBJECTS_FOUND":
    case "LINK_IS_BUCKET":
    case "LINK_TO_DELETED":
      return 404;
    case "INVALID_ARGUMENT":
    case "INVALID_STORE_NAME":
    case "NAME_REQUIRED":
    case "NAME_TOO_LONG":
      return 400;
    case "PERMISSION_DENIED":
      return 403;
    case "CONNECTION_CLOSED":
    case "ABORTED":
      return 503;
    case "TIMEOUT":
      return 504;
    case "BAD_OBJECT_META":
    case "INVALID_DIGEST_FORMAT":
      return 500;
    case "LINK_CYCLE":
      return 508;
    default:
      return 502;
  }
}

/** The stable code of an error: the library's `code`, else `UPSTREAM_ERROR`. */
function codeOf(err: unknown): string {
  return err instanceof ObjectStoreError ? err.code : "UPSTREAM_ERROR";
}

/**
 * A plain-text error response: `status`, body `CODE: message`, the code also in the
 * `X-Object-Store-Error` header. `extra` adds headers (e.g. `Allow`).
 */
export function errorResponse(status: number, code: string, message: string, extra?: HeadersInit): Response {
  const headers = new Headers(extra);
  headers.set("Content-Type", "text/plain; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set(ERROR_CODE_HEADER, code);
  const line = `${code}: ${message.split("\n")[0] ?? ""}`;
  return new Response(`${line}\n`, { status, headers });
}

/** The error response for a thrown error (see {@link statusForError}). */
export function responseForError(err: unknown, extra?: HeadersInit): Response {
  const message = err instanceof Error ? err.message : String(err);
  return errorResponse(statusForError(err), codeOf(err), message, extra);
}
