/**
 * HTTP validators of a stored object (RFC 9110 §8.8, §13): its entity tag, from the SHA-256 digest, and
 * the conditional request headers that compare against it. Pure: no platform APIs.
 */
import { formatDigest, parseDigest } from "./digest.js";

/** What an entity tag is made from: the object's digest, else its version (nuid and revision). */
export interface TaggedObject {
  /** The wire digest (`SHA-256=…`). */
  digest?: string | undefined;
  /** The id of the object's version. */
  nuid: string;
  /** The meta message's sequence. */
  revision: number;
}

/** An entity tag as parsed from a header. */
interface EntityTag {
  weak: boolean;
  /** The opaque tag, quotes included. */
  opaque: string;
}

/**
 * The strong entity tag of an object: its digest, quoted (`"SHA-256=…"`, the canonical padded
 * base64url form whatever encoding the writer used), so equal bytes give equal tags across versions.
 * An object without a usable digest gets a tag of its version instead.
 */
export function entityTag(object: TaggedObject): string {
  if (object.digest) {
    try {
      return `"${formatDigest(parseDigest(object.digest))}"`;
    } catch {
      // an unreadable digest: fall back to the version
    }
  }
  const nuid = object.nuid.replace(/[^A-Za-z0-9_-]/g, "");
  return `"v${object.revision}-${nuid}"`;
}

/**
 * The entity tags in a list header (`If-None-Match`, `If-Match`): `*` gives `"*"`, a malformed list
 * gives the tags before the first error (so it can only match less).
 */
function parseTags(header: string): EntityTag[] | "*" {
  if (header.trim() === "*") return "*";
  const tags: EntityTag[] = [];
  let i = 0;
  while (i < header.length) {
    const c = header[i]!;
    if (c === " " || c === "\t" || c === ",") {
      i++;
      continue;
    }
    const weak = header.startsWith("W/", i);
    const open = weak ? i + 2 : i;
    if (header[open] !== '"') break;
    const close = header.indexOf('"', open + 1);
    if (close < 0) break;
    tags.push({ weak, opaque: header.slice(open, close + 1) });
    i = close + 1;
  }
  return tags;
}

function opaqueOf(etag: string): string {
  return etag.startsWith("W/") ? etag.slice(2) : etag;
}

/**
 * True when an `If-None-Match` header matches `etag` (weak comparison; `*` matches any existing
 * object): a GET or HEAD is then answered with 304 Not Modified.
 */
export function ifNoneMatchMatches(header: string | null | undefined, etag: string): boolean {
  if (!header) return false;
  const tags = parseTags(header);
  if (tags === "*") return true;
  return tags.some((t) => t.opaque === opaqueOf(etag));
}

/**
 * True when an `If-Modified-Since` header says the client's copy is current: the object was not
 * modified after that date (compared in whole seconds, the precision of HTTP dates). An invalid date
 * is ignored (false). Only consulted when the request has no `If-None-Match`.
 */
export function notModifiedSince(header: string | null | undefined, lastModified: Date): boolean {
  if (!header) return false;
  const since = Date.parse(header);
  if (Number.isNaN(since) || Number.isNaN(lastModified.getTime())) return false;
  return Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

/**
 * True when a `Range` header may be honoured given the request's `If-Range`: no `If-Range`, an entity
 * tag equal to `etag` by strong comparison (a weak tag never is), or a date equal to `lastModified` in
 * whole seconds. Otherwise the whole representation is sent (200), never a range of another version.
 */
export function ifRangeAllows(header: string | null | undefined, etag: string, lastModified: Date): boolean {
  if (header === null || header === undefined) return true;
  const value = header.trim();
  if (value.startsWith("W/")) return false;
  if (value.startsWith('"')) return !etag.startsWith("W/") && value === etag;
  const date = Date.parse(value);
  if (Number.isNaN(date) || Number.isNaN(lastModified.getTime())) return false;
  return Math.floor(date / 1000) === Math.floor(lastModified.getTime() / 1000);
}
