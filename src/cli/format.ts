/** Output formatting: tables and key/value blocks for people, JSON for scripts. */
import type { ObjectInfo } from "../core/meta.js";
import type { ObjectStoreStatus } from "../core/bucket-config.js";
import { formatBytes, formatDuration } from "./units.js";

/** JSON for `--json`: indented when one document, compact when one per line. */
export function json(value: unknown, oneLine = false): string {
  return `${JSON.stringify(value, null, oneLine ? undefined : 2)}\n`;
}

/** A left-aligned table with a header row; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd())
    .join("\n") + "\n";
}

/** Aligned `key: value` lines. */
export function keyValues(pairs: Array<[string, string | number | boolean | undefined]>): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== "");
  const width = Math.max(...shown.map(([k]) => k.length)) + 2;
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join("\n") + "\n";
}

/** `bucket/name` of a link, or `bucket (whole bucket)`. */
export function linkTarget(info: ObjectInfo): string | undefined {
  const link = info.options?.link;
  if (!link) return undefined;
  return link.name === undefined ? `${link.bucket} (whole bucket)` : `${link.bucket}/${link.name}`;
}

/** A time for people: `2024-05-01 12:34:56` (UTC). */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** The objects of a bucket as a table. */
export function objectTable(infos: ObjectInfo[]): string {
  if (infos.length === 0) return "(no objects)\n";
  const rows = [...infos]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((i) => [
      i.name,
      i.deleted ? "deleted" : linkTarget(i) ? "link" : formatBytes(i.size),
      formatTime(i.mtime),
      linkTarget(i) ? `-> ${linkTarget(i)}` : (i.digest ?? ""),
    ]);
  return table(["NAME", "SIZE", "MODIFIED (UTC)", "DIGEST / LINK"], rows);
}

/** One object's info for people. */
export function objectDetails(i: ObjectInfo): string {
  return keyValues([
    ["Bucket", i.bucket],
    ["Name", i.name],
    ["Link to", linkTarget(i)],
    ["Description", i.description],
    ["Size", linkTarget(i) ? undefined : `${formatBytes(i.size)} (${i.size} bytes)`],
    ["Chunks", linkTarget(i) ? undefined : i.chunks],
    ["Chunk size", i.options?.max_chunk_size ? formatBytes(i.options.max_chunk_size) : undefined],
    ["Digest", i.digest],
    ["Modified", formatTime(i.mtime)],
    ["Revision", i.revision],
    ["Deleted", i.deleted ? true : undefined],
    ...Object.entries(i.headers ?? {}).map(([k, v]): [string, string] => [`Header ${k}`, v.join(", ")]),
    ...Object.entries(i.metadata ?? {}).map(([k, v]): [string, string] => [`Metadata ${k}`, v]),
  ]);
}

/** A bucket's status for people. */
export function statusDetails(s: ObjectStoreStatus): string {
  return keyValues([
    ["Bucket", s.bucket],
    ["Description", s.description],
    ["Storage", s.storage],
    ["Replicas", s.replicas],
    ["TTL", s.ttl > 0 ? formatDuration(s.ttl) : "none"],
    ["Max bytes", s.maxBytes > 0 ? formatBytes(s.maxBytes) : "unlimited"],
    ["Sealed", s.sealed],
    ["Compressed", s.compression],
    ["Size", `${formatBytes(s.size)} (${s.size} bytes)`],
    ["Messages", s.messages],
    ...Object.entries(s.metadata).map(([k, v]): [string, string] => [`Metadata ${k}`, v]),
  ]);
}

/** The buckets as a table. */
export function bucketTable(list: ObjectStoreStatus[]): string {
  if (list.length === 0) return "(no buckets)\n";
  return table(
    ["BUCKET", "SIZE", "STORAGE", "REPLICAS", "TTL", "SEALED", "DESCRIPTION"],
    list.map((s) => [
      s.bucket, formatBytes(s.size), s.storage, String(s.replicas), s.ttl > 0 ? formatDuration(s.ttl) : "-",
      s.sealed ? "yes" : "no", s.description,
    ]),
  );
}

/** One watch entry as a line: `PUT name 1.2 MiB`, `DEL name`, `LINK name -> b/n`. */
export function watchLine(i: ObjectInfo): string {
  const what = i.deleted ? "DEL " : linkTarget(i) ? "LINK" : "PUT ";
  const detail = i.deleted ? "" : linkTarget(i) ? ` -> ${linkTarget(i)}` : ` ${formatBytes(i.size)}`;
  return `${formatTime(i.mtime)}  ${what}  ${i.name}${detail}\n`;
}

/** The one-line result of a put or get. */
export function transferLine(verb: string, i: ObjectInfo, where: string, ms: number): string {
  const rate = ms > 0 && i.size >= 2 ** 20 ? `, ${((i.size / 2 ** 20) / (ms / 1000)).toFixed(1)} MiB/s` : "";
  return `${verb} ${where}: ${formatBytes(i.size)} in ${i.chunks} chunk${i.chunks === 1 ? "" : "s"} (${(ms / 1000).toFixed(1)}s${rate}), ${i.digest ?? "no digest"}\n`;
}
