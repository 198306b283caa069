/** Human-readable sizes, rates, durations, times and digests. */

const UNITS = ["B", "kB", "MB", "GB", "TB"];

/** 1536 -> "1.5 kB" (decimal units, like the MB/s of transfers). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "—";
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ${UNITS[i]}`;
}

/** Bytes per second -> "12.3 MB/s". */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return "—";
  return `${(bytesPerSecond / 1e6).toFixed(bytesPerSecond < 1e7 ? 2 : 1)} MB/s`;
}

/** Seconds -> "42 s", "3 min 5 s", "1 h 2 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** An RFC 3339 time -> "just now", "5 min ago", or a local date and time. */
export function formatAge(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "—";
  const s = (now - t) / 1000;
  if (s < 10) return "just now";
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleString();
}

/** Milliseconds of TTL -> "none", "1 h", "30 min". */
export function formatTtl(ms: number): string {
  if (!ms) return "none";
  return formatDuration(ms / 1000).replace(/ 0 (s|min)$/, "");
}

/** "SHA-256=q1w2e3…" -> "q1w2e3r4t5" (the first characters of the hash). */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return "";
  return digest.slice(digest.indexOf("=") + 1, digest.indexOf("=") + 11);
}
