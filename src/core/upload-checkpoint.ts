/**
 * The state of an interrupted put: enough to continue it later, from another connection or after a page
 * reload, without sending again the chunks the server already holds. Plain JSON: store it anywhere
 * (IndexedDB, a file).
 */
import { InvalidArgumentError } from "./errors.js";

/** Where a put stands: the chunks the server acknowledged so far, all of them in order. */
export interface UploadCheckpoint {
  /** Format version of this record. */
  version: 1;
  /** The bucket the put writes to. */
  bucket: string;
  /** The object's name. */
  name: string;
  /** The put's chunk subject id: the resumed put goes on writing there. */
  nuid: string;
  /** The chunk size the put cuts its source into (a resumed put must cut the same way). */
  chunkSize: number;
  /** Chunks the server acknowledged, from the first with none missing. */
  chunks: number;
  /** Bytes in those chunks. */
  bytes: number;
  /** `SHA-256=` digest of the first chunk: a resumed put checks its source starts with the same bytes. */
  firstChunkDigest: string;
  /** The source's size, when the put knew it. */
  total?: number;
  /** When the put began (RFC 3339). */
  startedAt: string;
}

/**
 * Checks a checkpoint handed to a put (or to `discardUpload`, named by `what` in errors): right shape, and
 * made for this bucket and name.
 */
export function checkCheckpoint(cp: unknown, bucket: string, name: string, what = "resumeFrom"): UploadCheckpoint {
  const c = cp as Partial<UploadCheckpoint> | null;
  const bad = (why: string) => new InvalidArgumentError("INVALID_ARGUMENT", `${what}: ${why}`);
  if (!c || typeof c !== "object") throw bad("not a checkpoint");
  if (c.version !== 1) throw bad(`unknown checkpoint version ${String(c.version)}`);
  if (typeof c.nuid !== "string" || !/^[A-Za-z0-9]+$/.test(c.nuid)) throw bad("bad nuid");
  for (const k of ["chunkSize", "chunks", "bytes"] as const) {
    if (!Number.isSafeInteger(c[k]) || (c[k] as number) < 0) throw bad(`${k} must be a whole number >= 0`);
  }
  if (c.chunkSize === 0) throw bad("chunkSize must be positive");
  if (typeof c.firstChunkDigest !== "string") throw bad("firstChunkDigest missing");
  if (c.bucket !== bucket) {
    throw new InvalidArgumentError("RESUME_MISMATCH", `the checkpoint is for bucket ${String(c.bucket)}, not ${bucket}`);
  }
  if (c.name !== name) {
    throw new InvalidArgumentError("RESUME_MISMATCH", `the checkpoint is for ${String(c.name)}, not ${name}`);
  }
  return c as UploadCheckpoint;
}
