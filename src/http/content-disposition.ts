/** The `Content-Disposition` header of a served object (RFC 6266, RFC 8187 for non-ASCII names). */

/** RFC 8187 `value-chars`: UTF-8, percent-encoded except attr-chars. */
function extValue(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `inline` (or `attachment`) with the file name of an object: the last `/`-separated part of `name`,
 * as `filename="…"` (ASCII, other characters as `_`) and `filename*=UTF-8''…` (exact).
 */
export function contentDisposition(name: string, attachment: boolean): string {
  const base = name.split("/").filter((p) => p !== "").pop() ?? "download";
  const ascii = base.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `${attachment ? "attachment" : "inline"}; filename="${ascii}"; filename*=UTF-8''${extValue(base)}`;
}
