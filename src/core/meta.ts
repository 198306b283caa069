/** The object meta JSON on the wire (ADR-20 `ObjectInfo`), and the typed views of it. */
import { InvalidArgumentError } from "./errors.js";

/** A link to another object (`name` set) or to a whole bucket (`name` absent). */
export interface ObjectLink {
  /** The bucket the link points into. */
  bucket: string;
  /** The object linked to; absent for a bucket link. */
  name?: string;
}

/** Options stored with an object. */
export interface ObjectMetaOptions {
  /** Present on links. */
  link?: ObjectLink;
  /** The chunk size the object was written with. */
  max_chunk_size?: number;
}

/** What a caller describes when putting or updating an object. */
export interface ObjectMeta {
  /** The object's name: any non-empty unicode string. */
  name: string;
  /** Free text. */
  description?: string;
  /** Header-like pairs, as NATS headers: each key maps to a list of values. */
  headers?: Record<string, string[]>;
  /** String key/value metadata. */
  metadata?: Record<string, string>;
  /** Options; `link` is refused on put (use addLink). `max_chunk_size` picks the chunk size. */
  options?: ObjectMetaOptions;
}

/** Everything stored about one object: the wire JSON plus `revision`. */
export interface ObjectInfo extends ObjectMeta {
  /** The bucket holding the object. */
  bucket: string;
  /** The id of this version's chunk subject. */
  nuid: string;
  /** Size in bytes. */
  size: number;
  /** Number of chunks. */
  chunks: number;
  /** `SHA-256=` + base64url of the content; absent on deletes and links. */
  digest?: string;
  /** True on a delete marker. */
  deleted?: boolean;
  /** Modification time (RFC 3339), from the server's timestamp of the meta message. */
  mtime: string;
  /** The stream sequence of the meta message: the object's revision, for optimistic concurrency. */
  revision: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Serializes an info to its wire JSON (without `revision`, which is the message's sequence). */
export function encodeInfo(info: Omit<ObjectInfo, "revision"> & { revision?: number }): Uint8Array {
  const wire: Record<string, unknown> = { name: info.name };
  if (info.description) wire.description = info.description;
  if (info.headers && Object.keys(info.headers).length > 0) wire.headers = info.headers;
  if (info.metadata && Object.keys(info.metadata).length > 0) wire.metadata = info.metadata;
  if (info.options && (info.options.link || info.options.max_chunk_size)) wire.options = info.options;
  wire.bucket = info.bucket;
  wire.nuid = info.nuid;
  wire.size = info.size;
  wire.mtime = info.mtime;
  wire.chunks = info.chunks;
  if (info.digest) wire.digest = info.digest;
  if (info.deleted) wire.deleted = true;
  return encoder.encode(JSON.stringify(wire));
}

/**
 * Parses a meta message. `mtime` and `revision` come from the stored message, never the payload.
 * Unknown fields are ignored; missing optional ones are tolerated.
 * Throws {@link InvalidArgumentError} `BAD_OBJECT_META` when the payload is not an object meta.
 */
export function decodeInfo(payload: Uint8Array, revision: number, mtime: string): ObjectInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(payload));
  } catch (err) {
    throw new InvalidArgumentError("BAD_OBJECT_META", "object meta is not valid JSON", { cause: err });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw badMeta("not a JSON object");
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== "string" || r.name === "") throw badMeta("missing name");
  if (typeof r.bucket !== "string") throw badMeta("missing bucket");
  const info: ObjectInfo = {
    name: r.name,
    bucket: r.bucket,
    nuid: typeof r.nuid === "string" ? r.nuid : "",
    size: wholeNumber(r.size, "size"),
    chunks: wholeNumber(r.chunks, "chunks"),
    mtime,
    revision,
  };
  if (typeof r.description === "string" && r.description) info.description = r.description;
  if (isStringListRecord(r.headers)) info.headers = r.headers;
  const metadata = stringRecordOf(r.metadata);
  if (metadata) info.metadata = metadata;
  if (typeof r.digest === "string" && r.digest) info.digest = r.digest;
  if (r.deleted === true) info.deleted = true;
  const options = r.options as Record<string, unknown> | undefined | null;
  if (options && typeof options === "object") {
    const o: ObjectMetaOptions = {};
    const link = options.link as Record<string, unknown> | undefined | null;
    if (link && typeof link === "object" && typeof link.bucket === "string") {
      o.link = { bucket: link.bucket };
      if (typeof link.name === "string" && link.name) o.link.name = link.name;
    }
    if (typeof options.max_chunk_size === "number" && options.max_chunk_size > 0) {
      o.max_chunk_size = options.max_chunk_size;
    }
    if (o.link || o.max_chunk_size) info.options = o;
  }
  return info;
}

/**
 * Checks a caller's {@link ObjectMeta} (shape and types) and returns a clean copy of it.
 * Throws {@link InvalidArgumentError} with `NAME_REQUIRED` or `BAD_OBJECT_META`.
 */
export function checkMeta(meta: unknown): ObjectMeta {
  if (typeof meta !== "object" || meta === null) throw badMeta("meta must be an object with a name");
  const m = meta as Record<string, unknown>;
  if (typeof m.name !== "string" || m.name === "") {
    throw new InvalidArgumentError("NAME_REQUIRED", "an object name is required");
  }
  const out: ObjectMeta = { name: m.name };
  if (m.description !== undefined) {
    if (typeof m.description !== "string") throw badMeta("description must be a string");
    out.description = m.description;
  }
  if (m.headers !== undefined) {
    if (!isStringListRecord(m.headers)) throw badMeta("headers must map strings to arrays of strings");
    out.headers = m.headers;
  }
  if (m.metadata !== undefined) {
    if (!isStringRecord(m.metadata)) throw badMeta("metadata must map strings to strings");
    out.metadata = m.metadata;
  }
  if (m.options !== undefined) {
    if (typeof m.options !== "object" || m.options === null) throw badMeta("options must be an object");
    const o = m.options as Record<string, unknown>;
    out.options = {};
    if (o.link !== undefined) out.options.link = o.link as ObjectLink;
    if (o.max_chunk_size !== undefined) {
      if (!Number.isSafeInteger(o.max_chunk_size) || (o.max_chunk_size as number) <= 0) {
        throw badMeta("options.max_chunk_size must be a positive integer");
      }
      out.options.max_chunk_size = o.max_chunk_size as number;
    }
  }
  return out;
}

function badMeta(why: string): InvalidArgumentError {
  return new InvalidArgumentError("BAD_OBJECT_META", `bad object meta: ${why}`);
}

function wholeNumber(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw badMeta(`${field} is not a count`);
  return v;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === "string")
  );
}

/**
 * A metadata map as another client wrote it, with `null` values read as `""` (jnats writes an empty
 * value as `null`; nats.go reads it as `""`); `undefined` when it is not a map of strings.
 */
function stringRecordOf(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) out[k] = "";
    else if (typeof x === "string") out[k] = x;
    else return undefined;
  }
  return out;
}

function isStringListRecord(v: unknown): v is Record<string, string[]> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) &&
    Object.values(v).every((x) => Array.isArray(x) && x.every((s) => typeof s === "string"))
  );
}
