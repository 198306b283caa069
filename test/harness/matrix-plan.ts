/**
 * What test/run-all.ts runs against which nats-server of the matrix (scripts/nats-servers.json), so the
 * whole run stays under 30 minutes on two cores:
 *
 * - the newest release: every runner (Node, Chromium page and Worker, Deno, the demo e2e, the packed
 *   tarball in consumer projects: test/package/) and every Node test file;
 * - every other version: Node only, with the files that talk to the server in ways that differ between
 *   versions: the behaviour suites, interop with the official clients and nats.go, faults (server
 *   restarts), resumable puts over a breaking connection, permissions, the HTTP handler and the
 *   server-matrix checks (test/node/server-*.test.ts);
 * - the oldest (Debian's 2.9.10) also runs the three-node cluster faults and the live peers of the
 *   official clients (interop-peers.test.ts).
 *
 * A Node test file not named here runs against the newest server only: CLI, TLS, files on disk, the
 * 1 GiB object, memory and chaos tests exercise this library and the runtime more than the server.
 */
import { MATRIX, NEWEST } from "../../scripts/nats-servers.mjs";

/** Node test files (under test/node/) run against every version of the matrix. */
export const EVERY_VERSION_FILES: readonly string[] = [
  "suites.test.ts",
  "interop.test.ts",
  "interop-go.test.ts",
  "faults.test.ts",
  "resume-connection.test.ts",
  "permissions.test.ts",
  "http-response.test.ts",
];

/** Node test files run against the oldest and the newest versions only (slow, and server-dependent). */
export const OLDEST_AND_NEWEST_FILES: readonly string[] = ["cluster.test.ts", "interop-peers.test.ts", "write-endpoint.test.ts"];

/** Node test files whose name matches this run against every version (the server-matrix checks). */
const EVERY_VERSION_PATTERN = /^server-.*\.test\.ts$/;

/** One server of a run and what runs against it. */
export interface PlannedServer {
  /** The version name given to the harness (env NATS_SERVER_VERSION). */
  readonly version: string;
  /** True for the newest of the run: every runner and every file. */
  readonly full: boolean;
  /** True for the oldest of the run (several versions only). */
  readonly oldest: boolean;
}

/**
 * The servers of a run, newest first: `names` when given (version names), else the whole matrix. With
 * one server, it gets everything.
 */
export function planServers(names?: readonly string[]): PlannedServer[] {
  const list = names && names.length > 0 ? [...names] : MATRIX.map((v) => v.version);
  const sorted = [...new Set(list)].sort((a, b) => compareVersions(b, a));
  const newest = sorted.includes(NEWEST) ? NEWEST : sorted[0];
  return sorted.map((version, i) => ({
    version,
    full: version === newest || sorted.length === 1,
    oldest: i === sorted.length - 1 && sorted.length > 1,
  }));
}

/** The Node test files (names under test/node/) to run against a planned server. */
export function nodeFilesFor(server: PlannedServer, all: readonly string[]): string[] {
  if (server.full) return [...all];
  return all.filter(
    (f) =>
      EVERY_VERSION_FILES.includes(f) ||
      EVERY_VERSION_PATTERN.test(f) ||
      (server.oldest && OLDEST_AND_NEWEST_FILES.includes(f)),
  );
}

/** Orders version names `X.Y.Z` (names that are not versions sort as 0.0.0). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1) ?? ["0", "0", "0"]).map(Number);
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}
