/**
 * Errors across the Worker boundary: the library's typed errors arrive on the other side as the same
 * classes, with the same `code`, `message` and `name` (and the other side's stack).
 * @module
 */
import {
  AbortedError, ConflictError, IntegrityError, InvalidArgumentError, LinkError, NotFoundError, ObjectStoreError, PermissionError,
  SealedError, ServerError, SourceError, type ObjectStoreErrorCode,
} from "../core/errors.js";
import { CallbackError } from "../core/check-options.js";

/** An error as it is posted: plain data. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string | undefined;
  stack?: string | undefined;
  cause?: SerializedError | undefined;
}

type ErrorClass = new (code: ObjectStoreErrorCode, message: string, options?: { cause?: unknown }) => ObjectStoreError;

/** The library's error classes by their `name`. */
const CLASSES: Record<string, ErrorClass> = {
  ObjectStoreError, InvalidArgumentError, NotFoundError, ConflictError, SealedError, LinkError, IntegrityError, AbortedError,
  SourceError, PermissionError, ServerError, CallbackError,
};

/** `err` as plain data (its cause too, two levels deep). */
export function serializeError(err: unknown, depth = 0): SerializedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    return {
      name: err.name,
      message: err.message,
      code: typeof code === "string" ? code : undefined,
      stack: err.stack,
      cause: cause !== undefined && depth < 2 ? serializeError(cause, depth + 1) : undefined,
    };
  }
  return { name: "Error", message: String(err) };
}

/** The error `s` describes, as the same class where it is one of the library's. */
export function reviveError(s: SerializedError): Error {
  const cause = s.cause ? reviveError(s.cause) : undefined;
  const opts = cause === undefined ? undefined : { cause };
  const Class = CLASSES[s.name];
  let err: Error;
  if (Class && s.code !== undefined) {
    err = new Class(s.code as ObjectStoreErrorCode, s.message, opts);
  } else {
    err = new Error(s.message, opts);
    err.name = s.name;
    if (s.code !== undefined) (err as { code?: string }).code = s.code;
  }
  if (s.stack) err.stack = `${err.stack ?? ""}\n-- in the Worker: ${s.stack}`;
  return err;
}
