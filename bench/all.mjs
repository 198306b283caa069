#!/usr/bin/env node
/**
 * `npm run bench [-- ARGS]`: the object store benchmark (bench/run.ts, given every ARG), then the range
 * reads (bench/range.ts) and list() of 10,000 objects (bench/list.ts), those two given only
 * `--server-version V` (which nats-server of the matrix to start; default: env NATS_SERVER_VERSION, else
 * the newest release). Stops at the first that fails.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const i = args.indexOf("--server-version");
const server = i >= 0 && args[i + 1] ? ["--server-version", args[i + 1]] : [];
const node = (script, extra, ws) => {
  const r = spawnSync(process.execPath, [...(ws ? ["--experimental-websocket"] : []), "--import", "tsx", join(dir, script), ...extra], {
    stdio: "inherit", cwd: join(dir, ".."),
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
node("run.ts", args, false);
node("range.ts", server, true);
node("list.ts", server, true);
