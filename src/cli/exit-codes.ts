/**
 * Exit codes of the CLI, and how every error maps to one. Scripts branch on these; they are stable.
 *
 *   0    success
 *   1    any other failure (a server error, a local file that cannot be read or written, ...)
 *   2    usage error: unknown command or option, missing or bad argument, invalid bucket or object name
 *   3    not found: the bucket, the object, or the local file to put
 *   4    integrity: the data read does not match the object's digest, size or chunk count
 *   5    connection failure: cannot connect, connection lost, request timed out
 *   6    permission denied: authentication failed or the account may not do this
 *   7    conflict: the bucket exists with another config, is sealed, a link rule; get's file exists (no --force)
 *   130  interrupted (Ctrl-C / SIGINT or SIGTERM): a put leaves nothing behind, a get leaves no file
 *   141  the reader of stdout went away (broken pipe), as if killed by SIGPIPE
 */
import { ObjectStoreError } from "../core/errors.js";

/** The CLI's exit codes. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  INTEGRITY: 4,
  CONNECTION: 5,
  PERMISSION: 6,
  CONFLICT: 7,
  INTERRUPTED: 130,
  BROKEN_PIPE: 141,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error raised by the CLI itself, with the exit code and a stable code for `--json` output. */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A usage error: the command line is wrong. */
export function usageError(message: string): CliError {
  return new CliError(EXIT.USAGE, "USAGE", message);
}

/** The codes (nats.ws) and class names (the v3 clients) of authentication and permission errors. */
const AUTH_ERRORS = new Set([
  "AUTHORIZATION_VIOLATION", "BAD_AUTHENTICATION", "BAD_CREDS", "AUTHENTICATION_EXPIRED", "AUTHENTICATION_TIMEOUT",
  "ACCOUNT_EXPIRED", "PERMISSIONS_VIOLATION",
  "AuthorizationError", "UserAuthenticationExpiredError", "PermissionViolationError",
]);

/** The codes (nats.ws) and class names (v3) of a connection that failed, closed or timed out. */
const CONNECTION_ERRORS = new Set([
  "CONNECTION_CLOSED", "CONNECTION_REFUSED", "DISCONNECT", "TIMEOUT", "CONNECTION_TIMEOUT",
  "ConnectionError", "ClosedConnectionError", "DrainingConnectionError", "TimeoutError",
]);

/** How a client error names itself: its `code` (nats.ws, Node), else a known v3 class `name`; a v3 `RequestError` by its cause. */
function natsErrorName(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: unknown } | null | undefined;
  if (typeof e?.code === "string") return e.code;
  if (e?.name === "RequestError" && e.cause) return natsErrorName(e.cause) || "RequestError";
  const name = typeof e?.name === "string" ? e.name : "";
  return AUTH_ERRORS.has(name) || CONNECTION_ERRORS.has(name) ? name : "";
}

/** What an error means to a script: exit code, a stable code, and a one-line message. */
export interface Classified {
  exitCode: ExitCode;
  code: string;
  message: string;
}

/** Maps any error to its exit code. `connecting` marks errors thrown while opening the connection. */
export function classify(err: unknown, connecting = false): Classified {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CliError) return { exitCode: err.exitCode, code: err.code, message };
  if (err instanceof ObjectStoreError) return { exitCode: exitCodeOf(err.code), code: err.code, message };
  const natsCode = natsErrorName(err);
  if (AUTH_ERRORS.has(natsCode)) return { exitCode: EXIT.PERMISSION, code: "PERMISSION_DENIED", message: `permission denied: ${message}` };
  if (connecting) return { exitCode: EXIT.CONNECTION, code: "CONNECTION_FAILED", message };
  if (CONNECTION_ERRORS.has(natsCode)) return { exitCode: EXIT.CONNECTION, code: "CONNECTION_CLOSED", message };
  return { exitCode: EXIT.FAILURE, code: natsCode || "ERROR", message };
}

/** The exit code for a library error code. */
export function exitCodeOf(code: string): ExitCode {
  switch (code) {
    case "INVALID_ARGUMENT":
    case "CONFIG_REQUIRED":
    case "INVALID_STORE_NAME":
    case "NAME_REQUIRED":
    case "NAME_TOO_LONG":
    case "INVALID_DIGEST_FORMAT":
      return EXIT.USAGE;
    case "BUCKET_NOT_FOUND":
    case "OBJECT_NOT_FOUND":
    case "NO_OBJECTS_FOUND":
      return EXIT.NOT_FOUND;
    case "DIGEST_MISMATCH":
    case "SIZE_MISMATCH":
    case "CHUNK_COUNT_MISMATCH":
      return EXIT.INTEGRITY;
    case "CONNECTION_CLOSED":
    case "TIMEOUT":
      return EXIT.CONNECTION;
    case "PERMISSION_DENIED":
      return EXIT.PERMISSION;
    case "BUCKET_EXISTS":
    case "OBJECT_ALREADY_EXISTS":
    case "REVISION_MISMATCH":
    case "UPDATE_DELETED":
    case "BUCKET_SEALED":
    case "LINK_NOT_ALLOWED":
    case "LINK_TO_DELETED":
    case "LINK_TO_LINK":
    case "LINK_IS_BUCKET":
      return EXIT.CONFLICT;
    case "ABORTED":
      return EXIT.INTERRUPTED;
    default:
      return EXIT.FAILURE;
  }
}

/** The table printed by `--help`. */
export const EXIT_CODE_HELP = `Exit codes:
  0    success
  1    other failure (server error, local file I/O)
  2    usage error (bad command line, invalid bucket or object name)
  3    not found (bucket, object, or the local file to put)
  4    integrity error (digest, size or chunk count mismatch)
  5    connection failure (cannot connect, connection lost, timeout)
  6    permission denied (authentication or authorization)
  7    conflict (bucket exists with another config, sealed, link rules, output file exists)
  130  interrupted (SIGINT/SIGTERM)
  141  broken pipe on stdout`;
