/** Sizes and durations: parsed from the command line, formatted for people. */
import { usageError } from "./exit-codes.js";

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** `1048576`, `512K`, `10MiB`, `1.5GB`, `2T` -> bytes (K, M, G, T, P are powers of 1024; B, iB optional). */
export function parseSize(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text.trim());
  const mult = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || mult === undefined || (m[3] && m[3].toLowerCase() === "ib" && !m[2])) {
    throw usageError(`${option}: not a size: ${JSON.stringify(text)} (e.g. 1048576, 512K, 10MiB, 1G)`);
  }
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n)) throw usageError(`${option}: size too large: ${text}`);
  return n;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** `0`, `90s`, `10m`, `1h30m`, `7d`, `1w`, `250ms` -> milliseconds (a unit is required except for 0). */
export function parseDuration(text: string, option: string): number {
  const t = text.trim().toLowerCase();
  if (t === "0") return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (t === "" || pos !== t.length) {
    throw usageError(`${option}: not a duration: ${JSON.stringify(text)} (e.g. 90s, 10m, 1h30m, 7d; units ms s m h d w y)`);
  }
  return Math.round(total);
}

/** Bytes for people: `0 B`, `1023 B`, `1.5 KiB`, `12.3 MiB`, `1.0 GiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return String(n);
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Milliseconds for people: `0` (never), `90s`, `10m`, `1h30m`, `7d`. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "0";
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join("");
}
