#!/usr/bin/env node
/**
 * `npm run demo`: the Object Store demo app (demo/) against a nats-server of its own.
 *
 * 1. `node scripts/setup.mjs` (installs nats-server and node_modules on a fresh machine; quiet otherwise).
 * 2. Starts nats-server from nats-server.conf on free loopback ports with a temp store dir
 *    (test/harness/nats-server.ts, loaded through tsx). Its data is removed when the demo stops.
 * 3. Starts the Vite dev server on 127.0.0.1 with VITE_NATS_WS_URL set, so the page connects to it.
 * 4. Ctrl-C / SIGTERM stops both.
 *
 *   node scripts/demo.mjs [--port N] [--server ws://HOST:PORT] [--server-version V] [--no-setup]
 *     --port N            Vite port (default 5173; the next free one if taken)
 *     --server URL        use this running nats-server (WebSocket URL) instead of starting one
 *     --server-version V  the nats-server to start: 2.9.10, 2.12.x, newest (default: env NATS_SERVER_VERSION,
 *                         else the newest release; when that is not built here, for want of Go, Debian's 2.9
 *                         with a warning)
 *     --no-setup          skip scripts/setup.mjs
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

function parseArgs(argv) {
  const opts = { port: 5173, server: undefined, serverVersion: undefined, setup: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--port") opts.port = Number(argv[++i]);
    else if (a === "--server") opts.server = argv[++i];
    else if (a === "--server-version") opts.serverVersion = argv[++i];
    else if (a === "--no-setup") opts.setup = false;
    else if (a === "--help" || a === "-h") {
      console.log("usage: node scripts/demo.mjs [--port N] [--server ws://HOST:PORT] [--server-version V] [--no-setup]");
      process.exit(0);
    } else {
      console.error(`demo: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port <= 0) {
    console.error("demo: --port needs a port number");
    process.exit(2);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

if (opts.setup) {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "setup.mjs")], { stdio: "inherit", cwd: ROOT });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// Only now: node_modules may have just been installed by setup.mjs.
const { tsImport } = await import("tsx/esm/api");
const { createServer } = await import("vite");

let nats;
let vite;
let stopping = false;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  console.log("\ndemo: stopping…");
  await vite?.close().catch(() => undefined);
  await nats?.stop().catch(() => undefined);
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
process.on("SIGHUP", () => void stop(0));

try {
  let wsUrl = opts.server;
  if (!wsUrl) {
    const { startNatsServer } = await tsImport(pathToFileURL(join(ROOT, "test", "harness", "nats-server.ts")).href, import.meta.url);
    const { findServer } = await import("./nats-servers.mjs");
    let version = opts.serverVersion ?? process.env.NATS_SERVER_VERSION;
    if (!version && !process.env.NATS_SERVER_BIN) {
      const newest = findServer("newest");
      if (newest.missing) {
        console.warn(`demo: warning: ${newest.missing}\ndemo: starting Debian's nats-server 2.9 instead`);
        version = "debian";
      }
    }
    nats = await startNatsServer(version ? { version } : {});
    wsUrl = nats.url;
  }
  process.env.VITE_NATS_WS_URL = wsUrl;
  vite = await createServer({
    configFile: join(ROOT, "vite.config.ts"),
    server: { host: "127.0.0.1", port: opts.port },
  });
  await vite.listen();
  const page = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${opts.port}/`;
  console.log("");
  console.log("  NATS Object Store demo");
  console.log(`  page:        ${page}`);
  console.log(`  nats-server: ${wsUrl} (WebSocket)` + (nats ? `, ${nats.natsUrl}, pid ${nats.pid}, version ${nats.version}` : " (not started by the demo)"));
  if (nats) console.log(`  data:        ${nats.storeDir} (removed when the demo stops)`);
  console.log("  Ctrl-C stops it.");
  console.log("");
} catch (err) {
  console.error(`demo: ${err instanceof Error ? err.message : err}`);
  await stop(1);
}
