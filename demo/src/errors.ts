/**
 * Turns any failure into a short readable message. The library's errors are ObjectStoreError
 * subclasses with a stable `code`; nats.ws errors (connect failures) carry a `code` too; the v3
 * client's errors are classes told apart by `name`, given here the code nats.ws has for the same
 * failure, so both clients read alike. No stack trace ever reaches the page.
 */
import { ObjectStoreError } from "nats-objectstore-web";

export interface ReadableError {
  /** A stable code such as `BUCKET_SEALED`, or the error's name when it has none. */
  code: string;
  /** One line of text. */
  message: string;
}

const firstLine = (s: string) => s.split("\n")[0]!.trim();

/** The v3 client's error classes (`@nats-io/nats-core`), by `name`, as nats.ws's codes. */
const V3_CODES: Readonly<Record<string, string>> = {
  AuthorizationError: "AUTHORIZATION_VIOLATION",
  UserAuthenticationExpiredError: "AUTHENTICATION_EXPIRED",
  ClosedConnectionError: "CONNECTION_CLOSED",
  DrainingConnectionError: "CONNECTION_DRAINING",
  ConnectionError: "CONNECTION_ERROR",
  PermissionViolationError: "PERMISSIONS_VIOLATION",
  ProtocolError: "NATS_PROTOCOL_ERR",
  NoRespondersError: "NO_RESPONDERS",
  TimeoutError: "TIMEOUT",
};

export function describeError(err: unknown): ReadableError {
  if (err instanceof ObjectStoreError) return { code: err.code, message: firstLine(err.message) };
  if (typeof err === "object" && err !== null) {
    const e = err as { code?: unknown; name?: unknown; message?: unknown };
    const message = typeof e.message === "string" && e.message ? firstLine(e.message) : "unknown error";
    if (e.name === "AbortError") return { code: "ABORTED", message };
    if (typeof e.code === "string" && e.code) return { code: e.code, message };
    const v3 = typeof e.name === "string" ? V3_CODES[e.name] : undefined;
    if (v3) return { code: v3, message };
    return { code: typeof e.name === "string" && e.name !== "Error" ? e.name : "ERROR", message };
  }
  return { code: "ERROR", message: firstLine(String(err)) };
}

/** "CODE: message". */
export function errorText(err: unknown): string {
  const { code, message } = describeError(err);
  return `${code}: ${message}`;
}
