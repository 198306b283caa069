#!/usr/bin/env node
/**
 * natsobj for Node (and Deno): runs the compiled CLI, dist/cli/main.js, with the package's runtime
 * dependencies only. Node 22+ and Deno have a global WebSocket and run it in this process; Node 20 has
 * one only behind --experimental-websocket, so this script starts itself again with that flag (stdio
 * inherited, exit code passed through, SIGINT/SIGTERM/SIGHUP forwarded; the CLI takes the duplicate
 * SIGINT that a terminal's Ctrl-C also sends it as one).
 *
 * In a checkout of the repository (tsconfig.build.json beside this folder; the npm tarball has none)
 * it runs src/cli/main.ts through tsx instead, so `npm run cli` and the CLI tests see the sources as
 * they are edited, without a build. test/package/ checks the installed copy, which runs dist.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const checkout = existsSync(fileURLToPath(new URL("../tsconfig.build.json", import.meta.url)));

if (typeof globalThis.WebSocket === "function") {
  if (checkout) {
    const { register } = await import("tsx/esm/api");
    register();
    await import(new URL("../src/cli/main.ts", import.meta.url).href);
  } else {
    await import(new URL("../dist/cli/main.js", import.meta.url).href);
  }
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
