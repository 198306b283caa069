/**
 * URLs of objects: `<prefix>/<bucket>/<name>`, the name percent-encoded and free to contain `/`.
 * {@link handleObjectRequest} answers the requests under the prefix and leaves every other URL to the
 * caller (it returns `undefined`), so it slots into a Service Worker, `Deno.serve` or a router.
 */
import { InvalidArgumentError } from "../core/errors.js";
import type { BucketOpener } from "../store.js";
import { requestAborted, unlessAborted } from "./abort.js";
import { responseForError } from "./error-response.js";
import { objectResponse, type ObjectResponseOptions } from "./object-response.js";

/** The default URL prefix: objects are served at `/nats/<bucket>/<name>`. */
export const DEFAULT_PREFIX = "/nats";

/** Options of {@link handleObjectRequest}. */
export interface ObjectRouteOptions extends Omit<ObjectResponseOptions, "opener"> {
  /** The URL path objects are served under (default `/nats`); a leading `/` is implied. */
  prefix?: string;
}

/** The bucket and object a URL names. */
export interface ObjectPath {
  /** The bucket (first path segment after the prefix). */
  bucket: string;
  /** The object name (the rest of the path, percent-decoded; may contain `/`). */
  name: string;
}

/** `prefix` as an absolute path without a trailing slash (`""` for the root). */
function normalPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `/${trimmed}`;
}

/**
 * The URL path of an object: `prefix/bucket/name`, each part of the name percent-encoded with its `/`s
 * kept (so the last part is the file name a browser suggests). A name with a `.` or `..` part, which
 * URL parsers would resolve away, is encoded whole (its `/`s as `%2F`). `prefix` is used as given: a
 * relative one (`"nats"`) gives a path relative to the page, `"/nats"` an absolute one.
 */
export function objectPath(bucket: string, name: string, prefix: string = DEFAULT_PREFIX): string {
  const parts = name.split("/");
  const encoded = parts.some((p) => p === "." || p === "..") ? encodeURIComponent(name) : parts.map(encodeURIComponent).join("/");
  return `${prefix.replace(/\/+$/, "")}/${encodeURIComponent(bucket)}/${encoded}`;
}

/**
 * The bucket and object a URL names, or `undefined` when its path is not under `prefix`. Throws
 * {@link InvalidArgumentError} for a URL under the prefix without a bucket or name, or with a broken
 * percent-encoding.
 */
export function parseObjectPath(url: string | URL, prefix: string = DEFAULT_PREFIX): ObjectPath | undefined {
  const path = new URL(url).pathname;
  const base = `${normalPrefix(prefix)}/`;
  if (!path.startsWith(base)) return undefined;
  const rest = path.slice(base.length);
  const slash = rest.indexOf("/");
  const bucket = decode(slash < 0 ? rest : rest.slice(0, slash));
  const name = slash < 0 ? "" : decode(rest.slice(slash + 1));
  if (bucket === "") throw new InvalidArgumentError("INVALID_STORE_NAME", `no bucket in ${path}; use ${base}<bucket>/<name>`);
  if (name === "") throw new InvalidArgumentError("NAME_REQUIRED", `no object name in ${path}; use ${base}<bucket>/<name>`);
  return { bucket, name };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidArgumentError("INVALID_ARGUMENT", `not a valid percent-encoded URL path: ${text.slice(0, 80)}`);
  }
}

/**
 * Answers a request for `<prefix>/<bucket>/<name>` with {@link objectResponse}; `undefined` for a URL
 * outside the prefix, so the caller can fall through to its other routes. `stores` opens buckets: an
 * `ObjectStoreManager`, or anything with `objectStore(bucket)` (e.g. one that caches open stores, or
 * allows only some buckets). Links are followed through `stores` too, so a link never serves a bucket
 * `stores` refuses. Never rejects: a missing bucket is a 404, a malformed path a 400, an aborted request
 * (`request.signal`) a 503 `ABORTED` at once, its work stopped.
 */
export async function handleObjectRequest(
  stores: BucketOpener,
  request: Request,
  opts: ObjectRouteOptions = {},
): Promise<Response | undefined> {
  let path: ObjectPath | undefined;
  try {
    path = parseObjectPath(request.url, opts.prefix ?? DEFAULT_PREFIX);
    if (!path) return undefined;
    if (request.signal?.aborted) throw requestAborted(request.signal);
    const store = await unlessAborted(stores.objectStore(path.bucket), request.signal);
    // links are followed through the same opener: one that allows only some buckets keeps links inside them
    return await objectResponse(store, path.name, request, { ...opts, opener: stores });
  } catch (err) {
    const res = responseForError(err, opts.headers);
    return request.method.toUpperCase() === "HEAD" ? new Response(null, { status: res.status, headers: res.headers }) : res;
  }
}
