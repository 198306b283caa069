/**
 * Starts a throw-away nats-server (Node only) for tests, benchmarks and the demo.
 *
 * nats-server has no command-line flag for the WebSocket port, so each server gets its own temp
 * directory holding a config derived from the repo's `nats-server.conf` (client port, WebSocket
 * port and JetStream store dir substituted) and the store dir itself. Ports are free loopback
 * ports picked at start; `restart()` reuses the same ports and store dir (to test reconnects and
 * persistence); `stop()` kills the process by pid and removes the temp directory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverBinary } from "./server-version.js";

export interface NatsServerOptions {
  /** Extra config text appended to the generated config (later keys override earlier ones). */
  config?: string | undefined;
  /** Enable JetStream (default true). When false the `jetstream { ... }` block is removed. */
  jetstream?: boolean | undefined;
  /**
   * Extra lines inside the template's `jetstream { }` block, e.g. `max_buffered_msgs: 8`. (A second
   * `jetstream { }` block through `config` would replace the whole block, losing its `store_dir`.)
   */
  jetstreamConfig?: string | undefined;
  /** Config template (default: `nats-server.conf` at the repo root). */
  template?: string | undefined;
  /**
   * The nats-server binary (default: env `NATS_SERVER_BIN`, else the server of `version`, else of env
   * `NATS_SERVER_VERSION`, else the newest release of the matrix; see server-version.ts).
   */
  bin?: string | undefined;
  /** A version of the matrix (`2.12.x`, `2.15.3`, `newest`, `debian`) when no `bin` is given. */
  version?: string | undefined;
  /** How long to wait for the server to accept WebSocket connections (default 10 000 ms). */
  startTimeoutMs?: number | undefined;
  /**
   * Serve the WebSocket listener over TLS with this certificate and key (PEM file paths): the
   * template's `no_tls: true` is replaced by `tls { cert_file, key_file }` and `url` is
   * `wss://127.0.0.1:WSPORT`. (Appending a second `websocket { tls {...} }` block through `config`
   * does not work: nats-server replaces the whole block, losing its `listen`.)
   */
  websocketTls?: { certFile: string; keyFile: string } | undefined;
}

export interface NatsServer {
  /** WebSocket URL, `ws://127.0.0.1:WSPORT` (`wss://` with the `websocketTls` option). */
  readonly url: string;
  /** NATS protocol URL, `nats://127.0.0.1:PORT`. */
  readonly natsUrl: string;
  readonly wsPort: number;
  readonly port: number;
  /** JetStream store directory (inside the server's temp dir). */
  readonly storeDir: string;
  /** The temp dir with the generated config, the log (`nats-server.log`) and the store dir. */
  readonly dir: string;
  /** Pid of the current nats-server process (changes on restart). */
  readonly pid: number;
  /** The server's version, X.Y.Z (`unknown` for a given binary that did not say). */
  readonly version: string;
  /** The binary it runs. */
  readonly bin: string;
  /** Kills the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server and starts it again on the same ports with the same store dir. */
  restart(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOST = "127.0.0.1";

/** Servers not stopped yet: killed synchronously if the process exits without stopping them. */
const live = new Set<{ child: ChildProcess | undefined; dir: string }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const s of live) {
      try {
        if (s.child?.pid && s.child.exitCode === null) process.kill(s.child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      try {
        rmSync(s.dir, { recursive: true, force: true });
      } catch {
        /* ignore */
      }
    }
  });
}

/** A free TCP port on the loopback interface (bind to port 0 and release). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("could not get a free port"))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: HOST, port });
    const done = (ok: boolean) => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.once("connect", () => done(true));
    sock.once("error", () => done(false));
    sock.setTimeout(1000, () => done(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds the config text from the template with ports and store dir substituted. */
export function renderConfig(
  template: string,
  p: {
    port: number;
    wsPort: number;
    storeDir: string;
    jetstream: boolean;
    jetstreamExtra?: string | undefined;
    extra?: string | undefined;
    wsTls?: { certFile: string; keyFile: string } | undefined;
  },
): string {
  let text = template;
  const sub = (re: RegExp, by: string, what: string) => {
    if (!re.test(text)) throw new Error(`nats-server config template: no ${what} to substitute (${re})`);
    text = text.replace(re, by);
  };
  // Top-level client listen (first `listen:` outside any block: it precedes the blocks in the template).
  sub(/^listen\s*[:=]\s*.*$/m, `listen: ${HOST}:${p.port}`, "top-level `listen:`");
  // websocket { ... listen: "..." ... }
  sub(
    /(^websocket\s*\{[^}]*?\blisten\s*[:=]\s*)("[^"\n]*"|[^\s\n]+)/m,
    `$1"${HOST}:${p.wsPort}"`,
    "websocket `listen:`",
  );
  if (p.wsTls) {
    const block = /^websocket\s*\{[^}]*\}/m.exec(text);
    if (!block) throw new Error("nats-server config template: no `websocket { }` block to add TLS to");
    const tls =
      `  tls {\n    cert_file: ${JSON.stringify(p.wsTls.certFile)}\n` +
      `    key_file: ${JSON.stringify(p.wsTls.keyFile)}\n  }\n}`;
    const withTls = block[0].replace(/^[ \t]*no_tls\s*[:=][^\n]*\n/m, "").replace(/\}$/, tls);
    text = text.slice(0, block.index) + withTls + text.slice(block.index + block[0].length);
  }
  if (p.jetstream) {
    sub(/(\bstore_dir\s*[:=]\s*)("[^"\n]*"|[^\s\n]+)/, `$1${JSON.stringify(p.storeDir)}`, "jetstream `store_dir:`");
    if (p.jetstreamExtra) sub(/^(jetstream\s*\{[^}]*?)\n\}/m, `$1\n  ${p.jetstreamExtra.trim().replace(/\n/g, "\n  ")}\n}`, "`jetstream { }` block");
  } else {
    sub(/^jetstream\s*\{[^}]*\}\s*$/m, "", "`jetstream { }` block");
  }
  if (p.extra) text += `\n# extra\n${p.extra}\n`;
  return text;
}

function tailOf(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Starts a nats-server with JetStream and WebSocket on free loopback ports. */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  installExitHook();
  const picked = opts.bin ? { bin: opts.bin, version: "unknown" } : serverBinary(opts.version);
  const bin = picked.bin;
  const templatePath = opts.template ?? join(REPO_ROOT, "nats-server.conf");
  const template = readFileSync(templatePath, "utf8");
  const jetstream = opts.jetstream ?? true;
  const startTimeoutMs = opts.startTimeoutMs ?? 10_000;

  const dir = mkdtempSync(join(tmpdir(), "nats-test-"));
  const storeDir = join(dir, "store");
  const confPath = join(dir, "nats-server.conf");
  const logPath = join(dir, "nats-server.log");
  const entry: { child: ChildProcess | undefined; dir: string } = { child: undefined, dir };
  live.add(entry);

  let port = 0;
  let wsPort = 0;
  let stopped = false;

  async function launch(): Promise<void> {
    const log = createWriteStream(logPath, { flags: "a" });
    await new Promise<void>((r) => log.once("open", () => r()));
    const child = spawn(bin, ["-c", confPath], { cwd: dir, stdio: ["ignore", log, log] });
    entry.child = child;
    let exited: string | undefined;
    let spawnError: Error | undefined;
    child.once("error", (e) => (spawnError = e));
    child.once("exit", (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      log.end();
    });
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (spawnError) {
        throw new Error(
          `cannot run nats-server (${bin}): ${spawnError.message}. Install it (node scripts/setup.mjs test) or set NATS_SERVER_BIN.`,
        );
      }
      if (exited) throw new Error(`nats-server ${exited} during start-up:\n${tailOf(logPath)}`);
      // both listeners: the server opens its WebSocket port a few ms before its NATS port
      if ((await canConnect(wsPort)) && (await canConnect(port))) return;
      if (Date.now() > deadline) {
        killNow(child);
        throw new Error(
          `nats-server did not accept connections on ${HOST}:${wsPort} (WebSocket) and ${HOST}:${port} within ${startTimeoutMs} ms:\n${tailOf(logPath)}`,
        );
      }
      await sleep(25);
    }
  }

  function killNow(child: ChildProcess | undefined): void {
    try {
      if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }

  async function kill(): Promise<void> {
    const child = entry.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => killNow(child), 5_000);
    await gone;
    clearTimeout(timer);
  }

  // Port picking races with other processes: retry a few times with new ports if start-up fails.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    wsPort = await freePort();
    while (wsPort === port) wsPort = await freePort();
    writeFileSync(
      confPath,
      renderConfig(template, {
        port, wsPort, storeDir, jetstream, jetstreamExtra: opts.jetstreamConfig, extra: opts.config, wsTls: opts.websocketTls,
      }),
    );
    try {
      await launch();
      lastError = undefined;
      break;
    } catch (e) {
      lastError = e;
      await kill();
      if (!/address already in use/i.test(String((e as Error).message))) break;
    }
  }
  if (lastError) {
    live.delete(entry);
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }

  return {
    url: `${opts.websocketTls ? "wss" : "ws"}://${HOST}:${wsPort}`,
    natsUrl: `nats://${HOST}:${port}`,
    wsPort,
    port,
    storeDir,
    dir,
    get pid() {
      return entry.child?.pid ?? -1;
    },
    version: picked.version,
    bin,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      live.delete(entry);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      if (stopped) throw new Error("nats-server was stopped; cannot restart");
      await kill();
      await launch();
    },
  };
}

/**
 * For a runner started on its own: the orchestrator's server (env `NATS_WS_URL`), else one started
 * here. `stop` stops only a server started here.
 */
export async function envOrOwnServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const url = process.env.NATS_WS_URL;
  if (url) return { url, stop: async () => undefined };
  const server = await startNatsServer();
  return { url: server.url, stop: () => server.stop() };
}
