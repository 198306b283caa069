/** Bucket and object names, and the subjects and stream they map to (ADR-20). */
import { decodeBase64, encodeBase64 } from "./base64.js";
import { InvalidArgumentError } from "./errors.js";

const BUCKET_RE = /^[-\w]+$/;
/**
 * The longest bucket name: its stream, `OBJ_<bucket>`, must fit the server's 255-character stream name
 * limit, and every subject built from it must fit a control line.
 */
export const MAX_BUCKET_NAME_LENGTH = 255 - "OBJ_".length;
/** A nuid as every official client makes them (22 base62 characters); a little wider, never a wildcard or a dot. */
const NUID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** A lone (unpaired) UTF-16 surrogate: a string holding one is not well-formed Unicode. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/**
 * The longest meta subject we publish. The server reads a publish's whole control line
 * (`HPUB <subject> <reply> <sizes>`, about 75 bytes besides the subject) into at most
 * `max_control_line` bytes (4 KiB by default); a longer one closes the connection, so a write whose
 * subject would not fit is refused before anything is sent. Reads carry the subject in a payload and
 * have no such limit.
 */
export const MAX_META_SUBJECT_LENGTH = 4096 - 96;

/**
 * Throws {@link InvalidArgumentError} `INVALID_STORE_NAME` unless `bucket` is 1 to
 * {@link MAX_BUCKET_NAME_LENGTH} of `A-Z a-z 0-9 - _`. Checked before anything is sent: a name too
 * long for the server's control line would make it close the whole connection.
 */
export function validateBucketName(bucket: unknown): asserts bucket is string {
  if (typeof bucket !== "string" || bucket.length > MAX_BUCKET_NAME_LENGTH || !BUCKET_RE.test(bucket)) {
    const shown = typeof bucket === "string" && bucket.length > 64 ? `${JSON.stringify(bucket.slice(0, 64))}…` : JSON.stringify(bucket);
    throw new InvalidArgumentError(
      "INVALID_STORE_NAME",
      `invalid bucket name ${shown}: use 1 to ${MAX_BUCKET_NAME_LENGTH} of A-Z a-z 0-9 - _`,
    );
  }
}

/** True when `nuid` is safe as a subject token: letters, digits, `-` and `_` (never `*`, `>` or `.`). */
export function isValidNuid(nuid: unknown): nuid is string {
  return typeof nuid === "string" && NUID_RE.test(nuid);
}

/** The JetStream stream behind a bucket. */
export function streamName(bucket: string): string {
  return `OBJ_${bucket}`;
}

/**
 * The subject of every chunk of one version of an object. A nuid read from the wire goes into a subject
 * (and into purges) only through here: one that is not a plain token (`>`, `*`, a dot) is refused with
 * {@link InvalidArgumentError} `BAD_OBJECT_META`, so a forged meta can never widen a read or a purge.
 */
export function chunkSubject(bucket: string, nuid: string): string {
  if (!isValidNuid(nuid)) {
    throw new InvalidArgumentError("BAD_OBJECT_META", `bad object meta: nuid ${JSON.stringify(String(nuid).slice(0, 80))} is not a plain token`);
  }
  return `$O.${bucket}.C.${nuid}`;
}

/** The wildcard subject of all the metas in a bucket. */
export function allMetaSubjects(bucket: string): string {
  return `$O.${bucket}.M.>`;
}

/** The wildcard subject of all the chunks in a bucket. */
export function allChunkSubjects(bucket: string): string {
  return `$O.${bucket}.C.>`;
}

/** Encodes an object name for its meta subject: base64url with padding of its UTF-8 bytes. */
export function encodeName(name: string): string {
  return encodeBase64(utf8.encode(name), { url: true, pad: true });
}

/** Decodes a meta subject token back to the name, or `undefined` when it is not an encoded name. */
export function decodeName(token: string): string | undefined {
  const bytes = decodeBase64(token);
  if (!bytes) return undefined;
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The meta subject of a name. */
export function metaSubject(bucket: string, name: string): string {
  return `$O.${bucket}.M.${encodeName(name)}`;
}

/**
 * Meta subjects other writers used for the same name, tried when the standard one holds nothing:
 * unpadded base64url (older clients); standard base64 with `+` and `/` (jnats), where it differs; and for
 * names of Latin-1 characters beyond ASCII, base64url of the Latin-1 bytes (the official JavaScript
 * clients encode names with `btoa`, which reads a string as Latin-1, where nats.go and this library use
 * UTF-8).
 */
export function legacyMetaSubjects(bucket: string, name: string): string[] {
  const out: string[] = [];
  const std = encodeName(name);
  const unpadded = std.replace(/=+$/, "");
  if (unpadded !== std) out.push(unpadded);
  const classic = std.replace(/-/g, "+").replace(/_/g, "/");
  if (classic !== std) out.push(classic);
  if (/[\u0080-\u00ff]/.test(name) && !/[^\u0000-\u00ff]/.test(name)) {
    const latin1 = Uint8Array.from(name, (c) => c.charCodeAt(0));
    out.push(encodeBase64(latin1, { url: true, pad: true }));
  }
  return out.map((token) => `$O.${bucket}.M.${token}`);
}

/**
 * Validates an object name: a non-empty, well-formed Unicode string, and for a write (`forWrite`), one
 * whose meta subject fits a control line. Throws {@link InvalidArgumentError} `NAME_REQUIRED`,
 * `INVALID_NAME` (a lone surrogate: its UTF-8 encoding would lose it, so two such names would share one
 * subject) or `NAME_TOO_LONG`.
 */
export function validateObjectName(bucket: string, name: unknown, forWrite = true): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new InvalidArgumentError("NAME_REQUIRED", "an object name is required");
  }
  if (LONE_SURROGATE.test(name)) {
    throw new InvalidArgumentError("INVALID_NAME", "an object name must be well-formed Unicode (it holds a lone surrogate)");
  }
  if (forWrite && metaSubject(bucket, name).length > MAX_META_SUBJECT_LENGTH) {
    throw new InvalidArgumentError(
      "NAME_TOO_LONG",
      `object name too long: its meta subject would exceed ${MAX_META_SUBJECT_LENGTH} bytes`,
    );
  }
}
