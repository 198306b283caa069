/** What a read that ends short of its meta means: the object changed under it, or its chunks are bad. */
import type { Bucket } from "./bucket.js";
import { ConflictError, type IntegrityError, type ObjectStoreError } from "./core/errors.js";
import type { ObjectInfo } from "./core/meta.js";

/**
 * The error of a read (whole or range) whose chunks did not match `info`: `REVISION_MISMATCH` when the
 * object was replaced or deleted meanwhile (the write that replaced it purged the version being read),
 * else `err` itself.
 */
export async function replacedOr(bucket: Bucket, info: ObjectInfo, err: IntegrityError): Promise<ObjectStoreError> {
  let now: ObjectInfo | undefined;
  try {
    now = await bucket.readInfo(info.name, { fresh: true });
  } catch {
    return err; // cannot tell: the chunks are missing either way
  }
  if (now && !now.deleted && now.nuid === info.nuid) return err;
  return new ConflictError("REVISION_MISMATCH", `${info.name} was ${now && !now.deleted ? "replaced" : "deleted"} while it was being read; read it again`, { cause: err });
}
