/**
 * `--server-version X` for the benchmarks: which nats-server of the matrix (scripts/nats-servers.json)
 * they start (`2.9.10`, `2.12.x`, `newest`, …; default: env NATS_SERVER_VERSION, else the newest
 * release). It is put into env NATS_SERVER_VERSION, so the harness and every child task start the same
 * server. Returns the version picked and its binary.
 */
import { serverBinary, type ServerBinary } from "../../test/harness/server-version.ts";

/** Applies `--server-version` from `argv` (if there) and returns the server the benchmark will start. */
export function selectServerVersion(argv: readonly string[]): ServerBinary {
  const i = argv.indexOf("--server-version");
  if (i >= 0) {
    const v = argv[i + 1];
    if (!v) throw new Error("--server-version needs a version (e.g. 2.9.10, 2.12.x, newest)");
    process.env.NATS_SERVER_VERSION = v;
    delete process.env.NATS_SERVER_BIN;
  }
  return serverBinary();
}
