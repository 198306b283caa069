/** The media type (`Content-Type`) of a stored object: from its headers, its metadata or its name. Pure. */

/** What the media type is read from. */
export interface TypedObject {
  /** The object's name (its extension is the last resort). */
  name: string;
  /** Its headers; `Content-Type` (any case) wins. */
  headers?: Record<string, string[]> | undefined;
  /** Its metadata; a `Content-Type` key (any case) comes next. */
  metadata?: Record<string, string> | undefined;
}

const TEXT = "; charset=utf-8";

/** Types by file extension (lower case), for objects stored without a Content-Type. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  // video and audio
  webm: "video/webm", mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", ogv: "video/ogg",
  mkv: "video/x-matroska", ts: "video/mp2t", m3u8: "application/vnd.apple.mpegurl",
  mp3: "audio/mpeg", m4a: "audio/mp4", aac: "audio/aac", wav: "audio/wav", ogg: "audio/ogg", oga: "audio/ogg",
  opus: "audio/ogg", flac: "audio/flac", weba: "audio/webm",
  // images
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp",
  avif: "image/avif", svg: "image/svg+xml", ico: "image/x-icon", bmp: "image/bmp",
  // documents and text
  pdf: "application/pdf", txt: `text/plain${TEXT}`, log: `text/plain${TEXT}`, md: `text/markdown${TEXT}`,
  csv: `text/csv${TEXT}`, html: `text/html${TEXT}`, htm: `text/html${TEXT}`, css: `text/css${TEXT}`,
  js: `text/javascript${TEXT}`, mjs: `text/javascript${TEXT}`, json: "application/json", xml: "application/xml",
  yaml: `text/yaml${TEXT}`, yml: `text/yaml${TEXT}`, wasm: "application/wasm",
  // archives
  zip: "application/zip", gz: "application/gzip", tar: "application/x-tar",
};

/** The fallback for unknown bytes. */
export const OCTET_STREAM = "application/octet-stream";

/** A value that can go into an HTTP header as it is: visible ASCII and blanks, no line breaks. */
function headerSafe(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && /^[\x20-\x7e\t]+$/.test(v) ? v : undefined;
}

/** The value of `key` in a record, looked up case-insensitively. */
function lookup<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  if (!record) return undefined;
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(record)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** The media type guessed from a name's extension (the part after its last dot), if it is a known one. */
export function typeFromName(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot < 0 ? undefined : BY_EXTENSION[base.slice(dot + 1).toLowerCase()];
}

/**
 * An object's media type: its `Content-Type` header (any case of the key), else a `Content-Type` in its
 * metadata, else a guess from its name's extension, else `application/octet-stream`. Values that could
 * not be sent as a header (line breaks, non-ASCII) are skipped.
 */
export function objectContentType(object: TypedObject): string {
  return headerSafe(lookup(object.headers, "content-type")?.[0])
    ?? headerSafe(lookup(object.metadata, "content-type"))
    ?? typeFromName(object.name)
    ?? OCTET_STREAM;
}
