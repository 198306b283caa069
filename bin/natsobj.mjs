#!/usr/bin/env node
/**
 * natsobj for Node: runs src/cli/main.ts from source through tsx. Node 22+ has a global WebSocket and
 * runs it in this process; Node 20 has one only behind --experimental-websocket, so this script starts
 * itself again with that flag (stdio inherited, exit code passed through, SIGINT/SIGTERM/SIGHUP
 * forwarded; the CLI takes the duplicate SIGINT that a terminal's Ctrl-C also sends it as one).
 *
 * Deno needs no wrapper: deno run -A src/cli/main.ts ...
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";

const self = fileURLToPath(import.meta.url);
const main = new URL("../src/cli/main.ts", import.meta.url);

if (typeof globalThis.WebSocket === "function") {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(fileURLToPath(main)).href);
} else if (!process.env.NATSOBJ_REEXEC && process.allowedNodeEnvironmentFlags.has("--experimental-websocket")) {
  const child = spawn(process.execPath, ["--experimental-websocket", self, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, NATSOBJ_REEXEC: "1" },
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
  child.once("error", (err) => {
    console.error(`natsobj: cannot start node: ${err.message}`);
    process.exit(1);
  });
  child.once("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
} else {
  console.error("natsobj: this Node has no WebSocket: use Node 22 or newer, or Node 20 with --experimental-websocket");
  process.exit(1);
}
