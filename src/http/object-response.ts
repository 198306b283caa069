/**
 * One object as an HTTP response, with Web `Request`/`Response` only: the same code answers in a
 * Service Worker, `Deno.serve`, Node 20+ (global `Response`), Bun or a hono handler.
 *
 * GET and HEAD; `Range` (one range: 206 with `Content-Range`, 416 when unsatisfiable); `ETag` from the
 * SHA-256 digest with `If-None-Match` (304), `If-Modified-Since` and `If-Range`; `Content-Type` from the
 * object's headers, metadata or name; `?download` for an attachment. The body streams from NATS as it is
 * read: only the chunks a range needs are fetched, and cancelling the response body or aborting the
 * request cancels the read. An object whose meta has no digest cannot be verified: it is served without
 * an `ETag` and never as 304, so no cache takes its unverified bytes for a checked version.
 */
import { LinkError, ObjectStoreError } from "../core/errors.js";
import { contentRange, decideRange, unsatisfiedRange } from "../core/http-range.js";
import { entityTag, ifNoneMatchMatches, ifRangeAllows, notModifiedSince } from "../core/http-validators.js";
import { objectContentType } from "../core/media-type.js";
import type { ObjectInfo } from "../core/meta.js";
import type { ObjectResult } from "../core/object-result.js";
import type { BucketOpener, ObjectStore } from "../store.js";
import { requestAborted, unlessAborted } from "./abort.js";
import { contentDisposition } from "./content-disposition.js";
import { errorResponse, responseForError } from "./error-response.js";

/** Options of {@link objectResponse}. */
export interface ObjectResponseOptions {
  /** `Cache-Control` of object responses. Default `no-cache`: caches may keep them but revalidate (ETag) first. */
  cacheControl?: string;
  /**
   * `Content-Security-Policy` of object responses. Default `sandbox`: an HTML or SVG object opened as a
   * page runs in an opaque origin, without scripts, so whoever can write to a bucket cannot run code in
   * the origin that serves it. `""` leaves the header out.
   */
  contentSecurityPolicy?: string;
  /** Headers added to every response, errors included (e.g. `Access-Control-Allow-Origin`). */
  headers?: HeadersInit;
  /** Cancels the object read, besides the request's own `signal`. */
  signal?: AbortSignal;
  /**
   * Opens the buckets links point into. {@link handleObjectRequest} passes its own opener, so a link never
   * reaches a bucket that opener would not open. Without it, a link into another bucket is followed by
   * `store.get` (through the manager the store came from).
   */
  opener?: BucketOpener;
}

/** The most links one name is followed through before the answer is `LINK_CYCLE` (508). */
export const MAX_LINK_HOPS = 8;

/** How often a response is rebuilt when the object changes between reading its info and its bytes. */
const ATTEMPTS = 3;

/**
 * Answers `request` with the object `name` of `store`. Never rejects: failures are error responses
 * (404 missing object or bucket, 400 bad name, 405 other methods, 5xx server or connection trouble;
 * see `statusForError`), with the library's code in the body and the `X-Object-Store-Error` header.
 *
 * Links are followed, into other buckets through `opts.opener` (see {@link ObjectResponseOptions.opener});
 * an aborted request (`request.signal`, `opts.signal`) stops the work at once. A whole-object body is verified against the size and digest as it streams (a
 * mismatch errors the body, so the client sees a failed transfer, never wrong bytes complete); a range
 * checks its byte count only, as `store.get` with `offset`/`length` does.
 */
export async function objectResponse(
  store: ObjectStore,
  name: string,
  request: Request,
  opts: ObjectResponseOptions = {},
): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method !== "GET" && method !== "HEAD") {
    return errorResponse(405, "METHOD_NOT_ALLOWED", `${method} is not allowed; use GET or HEAD`, merge(opts.headers, { Allow: "GET, HEAD" }));
  }
  const signal = combine(request.signal, opts.signal);
  try {
    if (signal?.aborted) throw requestAborted(signal);
    for (let attempt = 1; ; attempt++) {
      const target = await resolveLinks(store, name, opts.opener, signal);
      const answer = await respond(target, name, request, method, opts, signal);
      if (answer !== "changed" || attempt === ATTEMPTS) return answer === "changed" ? changedResponse(name, opts) : answer;
    }
  } catch (err) {
    const res = responseForError(err, opts.headers);
    return method === "HEAD" ? new Response(null, { status: res.status, headers: res.headers }) : res;
  }
}

/** Where a name's bytes are: the store and name to read, and the info of the object found there. */
interface Target {
  store: ObjectStore;
  /** The name to `get` from `store` (a link's own name when `store.get` is left to follow it). */
  name: string;
  /** The object's (for a link: its final target's) info. */
  info: ObjectInfo;
}

/**
 * Follows `name` through its links, opening other buckets with `opener` only: a link cannot lead out of
 * what the opener allows. More than {@link MAX_LINK_HOPS} links is `LINK_CYCLE`; a link to a whole bucket
 * `LINK_IS_BUCKET`. Without an opener a link into another bucket is left to `store.get`.
 */
async function resolveLinks(store: ObjectStore, name: string, opener: BucketOpener | undefined, signal: AbortSignal | undefined): Promise<Target> {
  let at = store;
  let current = name;
  for (let hops = 0; ; hops++) {
    const info = await unlessAborted(at.getInfo(current), signal);
    const link = info.options?.link;
    if (!link) return { store: at, name: current, info };
    if (!link.name) throw new LinkError("LINK_IS_BUCKET", `${current} links to a whole bucket (${link.bucket}), not an object`);
    if (hops >= MAX_LINK_HOPS) throw new LinkError("LINK_CYCLE", `${name}: more than ${MAX_LINK_HOPS} links in a row (a cycle?)`);
    if (link.bucket !== at.bucket) {
      if (!opener) return { store: at, name: current, info: await followedInfo(at, current, signal) };
      at = await unlessAborted(opener.objectStore(link.bucket), signal);
    }
    current = link.name;
  }
}

/** The info of the object `name` stands for, read through `store.get`, which follows links itself. */
async function followedInfo(store: ObjectStore, name: string, signal: AbortSignal | undefined): Promise<ObjectInfo> {
  const probe = await unlessAborted(store.get(name, { offset: 0, length: 0 }), signal, (late) => void late.body.cancel());
  await probe.body.cancel();
  return probe.info;
}

/** True when the object's meta has a digest to verify its bytes against. */
function hasDigest(info: ObjectInfo): boolean {
  return typeof info.digest === "string" && info.digest !== "";
}

/** The response for the target, or "changed" when a newer version replaced it before its bytes were read. */
async function respond(
  target: Target,
  name: string,
  request: Request,
  method: string,
  opts: ObjectResponseOptions,
  signal: AbortSignal | undefined,
): Promise<Response | "changed"> {
  const { info } = target;
  // without a digest the bytes cannot be verified: no entity tag and no 304, so no cache keeps taking
  // them for a checked, current version
  const etag = hasDigest(info) ? entityTag(info) : undefined;
  const modified = new Date(info.mtime);
  const headers = validatorHeaders(etag, modified, opts);
  if (etag) {
    const ifNoneMatch = request.headers.get("If-None-Match");
    const fresh = ifNoneMatch !== null
      ? ifNoneMatchMatches(ifNoneMatch, etag)
      : notModifiedSince(request.headers.get("If-Modified-Since"), modified);
    if (fresh) return new Response(null, { status: 304, headers });
  }

  headers.set("Content-Type", objectContentType(info));
  headers.set("Accept-Ranges", "bytes");
  headers.set("X-Content-Type-Options", "nosniff");
  const csp = opts.contentSecurityPolicy ?? "sandbox";
  if (csp) headers.set("Content-Security-Policy", csp);
  const download = new URL(request.url).searchParams.get("download");
  headers.set("Content-Disposition", contentDisposition(download || name, download !== null));

  // RFC 9110 §14.2: Range is defined for GET only; If-Range decides whether it may apply (without an
  // entity tag only its date form can match)
  const range = method === "GET" && ifRangeAllows(request.headers.get("If-Range"), etag ?? "", modified)
    ? decideRange(request.headers.get("Range"), info.size)
    : { kind: "full" as const };
  if (range.kind === "unsatisfiable") {
    return errorResponse(416, "RANGE_NOT_SATISFIABLE", `no byte of the range is within the ${info.size} bytes of ${name}`,
      merge(opts.headers, { "Content-Range": unsatisfiedRange(info.size), ...(etag ? { ETag: etag } : {}), "Accept-Ranges": "bytes" }));
  }
  const partial = range.kind === "partial";
  const length = partial ? range.end - range.start + 1 : info.size;
  headers.set("Content-Length", String(length));
  if (partial) headers.set("Content-Range", contentRange(range.start, range.end, info.size));
  if (method === "HEAD") return new Response(null, { status: 200, headers });

  const got = target.store.get(target.name, partial ? { offset: range.start, length, signal } : { signal });
  let result: ObjectResult;
  try {
    result = await unlessAborted(got, signal, (late) => void late.body.cancel());
  } catch (err) {
    // the name may have become something else since it was resolved (a link, say): then start over, and
    // never answer with what reading that other thing said
    const resolvedHere = target.info.bucket === target.store.bucket && target.info.name === target.name;
    if (resolvedHere && !signal?.aborted && !(await stillThere(target, signal))) return "changed";
    throw err;
  }
  const same = result.info.nuid === info.nuid && result.info.revision === info.revision &&
    result.info.bucket === info.bucket && result.info.name === info.name;
  if (!same) {
    await result.body.cancel();
    return "changed";
  }
  return new Response(result.body, { status: partial ? 206 : 200, headers });
}

/** True when the target's name still holds the version it was resolved to (and is no link now). */
async function stillThere(target: Target, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    const now = await unlessAborted(target.store.getInfo(target.name), signal);
    return now.nuid === target.info.nuid && now.revision === target.info.revision;
  } catch {
    return false;
  }
}

/** ETag, Last-Modified and Cache-Control (what a 304 repeats), plus the caller's headers. */
function validatorHeaders(etag: string | undefined, modified: Date, opts: ObjectResponseOptions): Headers {
  const headers = new Headers(opts.headers);
  if (etag) headers.set("ETag", etag);
  if (!Number.isNaN(modified.getTime())) headers.set("Last-Modified", modified.toUTCString());
  headers.set("Cache-Control", opts.cacheControl ?? "no-cache");
  return headers;
}

/** The answer when the object kept changing while it was being served. */
function changedResponse(name: string, opts: ObjectResponseOptions): Response {
  const err = new ObjectStoreError("REVISION_MISMATCH", `${name} kept changing while it was being read; try again`);
  return errorResponse(503, err.code, err.message, merge(opts.headers, { "Retry-After": "1" }));
}

function merge(base: HeadersInit | undefined, extra: Record<string, string>): Headers {
  const headers = new Headers(base);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return headers;
}

/** One signal aborted by either (where `AbortSignal.any` exists; else the request's). */
function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || !b) return a ?? b;
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  return any ? any.call(AbortSignal, [a, b]) : a;
}
