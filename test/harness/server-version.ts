/**
 * Which nats-server binary the tests, the benchmark and the demo start (Node only):
 *
 * - env `NATS_SERVER_BIN`: that binary (its version read from `--version`);
 * - else env `NATS_SERVER_VERSION` (`2.12.x`, `2.12`, `2.12.15`, `newest`, `debian`): that server of the
 *   matrix (scripts/nats-servers.json), Debian's package for 2.9.10, the per-machine cache for the others;
 * - else the newest release of the matrix.
 *
 * A server that is not installed is an error that says how to get it (`node scripts/setup.mjs test`).
 */
import { binaryVersion, findServer, NEWEST } from "../../scripts/nats-servers.mjs";

/** A server binary and its version. */
export interface ServerBinary {
  /** Path of the executable. */
  readonly bin: string;
  /** Its version, X.Y.Z (`unknown` when a given binary did not say). */
  readonly version: string;
}

const versions = new Map<string, string>();
const found = new Map<string, ServerBinary>();

/** The version a binary reports (memoised). */
function versionOf(bin: string): string {
  let v = versions.get(bin);
  if (v === undefined) {
    v = binaryVersion(bin) ?? "unknown";
    versions.set(bin, v);
  }
  return v;
}

/**
 * The server binary to start: `spec` (a version name) when given, else env `NATS_SERVER_BIN`, else env
 * `NATS_SERVER_VERSION`, else the newest release. Throws when that server is not installed.
 */
export function serverBinary(spec?: string): ServerBinary {
  const envBin = process.env.NATS_SERVER_BIN;
  if (spec === undefined && envBin) return { bin: envBin, version: versionOf(envBin) };
  const name = spec ?? (process.env.NATS_SERVER_VERSION || NEWEST);
  const cached = found.get(name);
  if (cached) return cached;
  const f = findServer(name);
  if (f.missing !== undefined) throw new Error(f.missing);
  const out = { bin: f.bin, version: f.version };
  found.set(name, out);
  return out;
}

/** The version of the server {@link serverBinary} picks (for reports), or why there is none. */
export function describeSelectedServer(): string {
  try {
    const s = serverBinary();
    return `nats-server ${s.version} (${s.bin})`;
  } catch (e) {
    return `no nats-server: ${(e as Error).message}`;
  }
}

/** True when `version` (X.Y.Z) is at least `major.minor`. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return a > major || (a === major && b >= minor);
}
