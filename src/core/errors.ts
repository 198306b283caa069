/**
 * Typed errors with stable codes. Every public method rejects with an {@link ObjectStoreError}
 * subclass; callers branch on `instanceof` or on `code`, never on message text.
 */

/** Every code an {@link ObjectStoreError} can carry. Stable across releases. */
export type ObjectStoreErrorCode =
  // bad input
  | "INVALID_ARGUMENT"
  | "CONFIG_REQUIRED"
  | "INVALID_STORE_NAME"
  | "NAME_REQUIRED"
  | "NAME_TOO_LONG"
  | "INVALID_NAME"
  | "META_TOO_LARGE"
  | "BAD_OBJECT_META"
  | "INVALID_DIGEST_FORMAT"
  | "RESUME_MISMATCH"
  // not found
  | "BUCKET_NOT_FOUND"
  | "OBJECT_NOT_FOUND"
  | "NO_OBJECTS_FOUND"
  // conflicts
  | "BUCKET_EXISTS"
  | "OBJECT_ALREADY_EXISTS"
  | "REVISION_MISMATCH"
  | "UPDATE_DELETED"
  | "BUCKET_SEALED"
  | "BUCKET_FULL"
  // links
  | "LINK_NOT_ALLOWED"
  | "LINK_TO_DELETED"
  | "LINK_TO_LINK"
  | "LINK_IS_BUCKET"
  | "LINK_CYCLE"
  // data integrity
  | "DIGEST_MISMATCH"
  | "SIZE_MISMATCH"
  | "CHUNK_COUNT_MISMATCH"
  // the operation itself
  | "ABORTED"
  | "SOURCE_FAILED"
  | "CALLBACK_FAILED"
  // server and connection
  | "PERMISSION_DENIED"
  | "SERVER_TOO_OLD"
  | "TIMEOUT"
  | "CONNECTION_CLOSED"
  | "SERVER_ERROR";

/** Base class of every error this library throws. */
export class ObjectStoreError extends Error {
  override name = "ObjectStoreError";
  /** A stable machine-readable code. */
  readonly code: ObjectStoreErrorCode;

  /** @param code stable code; @param message human-readable text; @param options the underlying cause */
  constructor(code: ObjectStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The caller passed something invalid: a bad name, bucket, config, option or meta. Nothing was changed. */
export class InvalidArgumentError extends ObjectStoreError {
  override name = "InvalidArgumentError";
}

/** A bucket or object does not exist (or the object is deleted). */
export class NotFoundError extends ObjectStoreError {
  override name = "NotFoundError";
}

/** The operation conflicts with the store's state: a name taken, a stale revision, a deleted object. */
export class ConflictError extends ObjectStoreError {
  override name = "ConflictError";
}

/** The bucket is sealed: no writes are allowed. */
export class SealedError extends ObjectStoreError {
  override name = "SealedError";
}

/** A link rule was broken: links on put, links to links or deleted objects, reading a bucket link. */
export class LinkError extends ObjectStoreError {
  override name = "LinkError";
}

/** The bytes read do not match the object's size, chunk count or digest: the data is corrupt. */
export class IntegrityError extends ObjectStoreError {
  override name = "IntegrityError";
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends ObjectStoreError {
  override name = "AbortedError";
}

/** The put's source failed while it was being read. The store was left as it was. */
export class SourceError extends ObjectStoreError {
  override name = "SourceError";
}

/** The server refused the operation for lack of permission. */
export class PermissionError extends ObjectStoreError {
  override name = "PermissionError";
}

/** The server or connection failed: a timeout, a closed connection, an old server, an API error. */
export class ServerError extends ObjectStoreError {
  override name = "ServerError";
}
