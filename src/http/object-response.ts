/**
 * One object as an HTTP response, with Web `Request`/`Response` only: the same code answers in a
 * Service Worker, `Deno.serve`, Node 20+ (global `Response`), Bun or a hono handler.
 *
 * GET and HEAD; `Range` (one range: 206 with `Content-Range`, 416 when unsatisfiable); `ETag` from the
 * SHA-256 digest with `If-None-Match` (304), `If-Modified-Since` and `If-Range`; `Content-Type` from the
 * object's headers, metadata or name; `?download` for an attachment. The body streams from NATS as it is
 * read: only the chunks a range needs are fetched, and cancelling the response body cancels the read.
 */
import { ObjectStoreError } from "../core/errors.js";
import { contentRange, decideRange, unsatisfiedRange } from "../core/http-range.js";
import { entityTag, ifNoneMatchMatches, ifRangeAllows, notModifiedSince } from "../core/http-validators.js";
import { objectContentType } from "../core/media-type.js";
import type { ObjectInfo } from "../core/meta.js";
import type { ObjectResult } from "../core/object-result.js";
import type { ObjectStore } from "../store.js";
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
}

/** How often a response is rebuilt when the object changes between reading its info and its bytes. */
const ATTEMPTS = 3;

/**
 * Answers `request` with the object `name` of `store`. Never rejects: failures are error responses
 * (404 missing object or bucket, 400 bad name, 405 other methods, 5xx server or connection trouble;
 * see `statusForError`), with the library's code in the body and the `X-Object-Store-Error` header.
 *
 * Links are followed. A whole-object body is verified against the size and digest as it streams (a
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
  try {
    for (let attempt = 1; ; attempt++) {
      const info = await currentInfo(store, name);
      const answer = await respond(store, name, info, request, method, opts);
      if (answer !== "changed" || attempt === ATTEMPTS) return answer === "changed" ? changedResponse(name, opts) : answer;
    }
  } catch (err) {
    const res = responseForError(err, opts.headers);
    return method === "HEAD" ? new Response(null, { status: res.status, headers: res.headers }) : res;
  }
}

/** The info of the object a name stands for (a link's target), read through `get` so links are followed. */
async function currentInfo(store: ObjectStore, name: string): Promise<ObjectInfo> {
  const probe = await store.get(name, { offset: 0, length: 0 });
  await probe.body.cancel();
  return probe.info;
}

/** The response for `info`, or "changed" when a newer version replaced it before its bytes were read. */
async function respond(
  store: ObjectStore,
  name: string,
  info: ObjectInfo,
  request: Request,
  method: string,
  opts: ObjectResponseOptions,
): Promise<Response | "changed"> {
  const etag = entityTag(info);
  const modified = new Date(info.mtime);
  const headers = validatorHeaders(etag, modified, opts);
  const ifNoneMatch = request.headers.get("If-None-Match");
  const fresh = ifNoneMatch !== null
    ? ifNoneMatchMatches(ifNoneMatch, etag)
    : notModifiedSince(request.headers.get("If-Modified-Since"), modified);
  if (fresh) return new Response(null, { status: 304, headers });

  headers.set("Content-Type", objectContentType(info));
  headers.set("Accept-Ranges", "bytes");
  headers.set("X-Content-Type-Options", "nosniff");
  const csp = opts.contentSecurityPolicy ?? "sandbox";
  if (csp) headers.set("Content-Security-Policy", csp);
  const download = new URL(request.url).searchParams.get("download");
  headers.set("Content-Disposition", contentDisposition(download || name, download !== null));

  // RFC 9110 §14.2: Range is defined for GET only; If-Range decides whether it may apply.
  const range = method === "GET" && ifRangeAllows(request.headers.get("If-Range"), etag, modified)
    ? decideRange(request.headers.get("Range"), info.size)
    : { kind: "full" as const };
  if (range.kind === "unsatisfiable") {
    return errorResponse(416, "RANGE_NOT_SATISFIABLE", `no byte of the range is within the ${info.size} bytes of ${name}`,
      merge(opts.headers, { "Content-Range": unsatisfiedRange(info.size), ETag: etag, "Accept-Ranges": "bytes" }));
  }
  const partial = range.kind === "partial";
  const length = partial ? range.end - range.start + 1 : info.size;
  headers.set("Content-Length", String(length));
  if (partial) headers.set("Content-Range", contentRange(range.start, range.end, info.size));
  if (method === "HEAD") return new Response(null, { status: 200, headers });

  const signal = combine(request.signal, opts.signal);
  const result: ObjectResult = await store.get(name, partial ? { offset: range.start, length, signal } : { signal });
  if (result.info.nuid !== info.nuid || result.info.revision !== info.revision) {
    await result.body.cancel();
    return "changed";
  }
  return new Response(result.body, { status: partial ? 206 : 200, headers });
}

/** ETag, Last-Modified and Cache-Control (what a 304 repeats), plus the caller's headers. */
function validatorHeaders(etag: string, modified: Date, opts: ObjectResponseOptions): Headers {
  const headers = new Headers(opts.headers);
  headers.set("ETag", etag);
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
