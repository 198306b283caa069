/**
 * Runs every test against every nats-server of the matrix (scripts/nats-servers.json; plan in
 * test/harness/matrix-plan.ts), one server started per version for its runners:
 *
 *   node     node --experimental-websocket --import tsx --test --test-reporter=spec test/node/<files>
 *            (every version: the behaviour suites, interop, faults, resume, permissions, HTTP, server checks;
 *            the newest: every file)
 *   browser  Chromium page + dedicated Web Worker (test/browser/run-browser.ts, in-process)   newest only
 *   firefox, webkit   the same suites in Firefox ESR and WebKitGTK (test/harness/engines.ts)   opt-in only:
 *            not in the default set, run them with `--only firefox,webkit` (set-up:
 *            `ENGINES=firefox,webkit node scripts/setup.mjs test`)
 *   deno     deno test -A --no-check test/deno/      (deno from node_modules/.bin, else npx deno)   newest only
 *   e2e      the demo app (vite build) driven in Chromium (test/e2e/run-e2e.ts, in-process)   newest only
 *   package  the npm tarball in consumer projects: Node, the CLI, Deno, Chromium, a Service Worker,
 *            the size budget (node --import tsx test/package/main.ts)   newest only
 *
 * Children get env NATS_WS_URL (ws://…), NATS_URL (nats://…) and NATS_SERVER_VERSION (so the servers
 * tests start themselves are of the same version). Output is streamed; afterwards a table per server and
 * runtime, and one per server, are printed and, as the very last line, `N passed, N failed`. The exit
 * code is non-zero when a test failed or a runner crashed (a crashed runner counts as at least one
 * failure). A server of the matrix that is not installed is a failure with CI=true, else a loud note.
 *
 * Which servers: `--versions` when given; else env NATS_SERVER_BIN (that binary alone, everything) or env
 * NATS_SERVER_VERSION (that version alone, everything); else the whole matrix.
 *
 * Usage: node --experimental-websocket --import tsx test/run-all.ts
 *          [--only node|deno|browser|e2e|package|firefox|webkit]...   run only these runners (repeatable)
 *          [--versions 2.9.10,2.12.x,newest]   run against these servers only
 *          [--filter REGEX]                only tests whose `suite > test name` matches (env SUITE_FILTER)
 *          [--timeout-min N]               time limit per runner (default 25)
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNatsServer, type NatsServer } from "./harness/nats-server.js";
import { runBrowser } from "./browser/run-browser.js";
import type { Engine } from "./harness/engines.js";
import { nodeFilesFor, planServers, type PlannedServer } from "./harness/matrix-plan.js";
import { findServer, resolveVersion } from "../scripts/nats-servers.mjs";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNNERS = ["node", "browser", "deno", "e2e", "package", "firefox", "webkit"] as const;
type RunnerName = (typeof RUNNERS)[number];
/** Runners that run only when named with --only. */
const OPT_IN: ReadonlySet<RunnerName> = new Set(["firefox", "webkit"]);

interface Row {
  /** The server's version. */
  server?: string;
  runtime: string;
  passed: number;
  failed: number;
  skipped: number;
  ms: number;
  note?: string;
}

// ---- arguments ---------------------------------------------------------------------------------

const only = new Set<RunnerName>();
let filter = process.env.SUITE_FILTER;
let timeoutMs = 25 * 60_000;
let versions: string[] | undefined;
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === "--only") {
      for (const v of value().split(",")) {
        if (!(RUNNERS as readonly string[]).includes(v)) usage(`unknown runner ${v}`);
        only.add(v as RunnerName);
      }
    } else if (a === "--versions") versions = value().split(",").filter(Boolean);
    else if (a === "--filter") filter = value();
    else if (a === "--timeout-min") timeoutMs = Number(value()) * 60_000;
    else usage(`unknown argument ${a}`);
  }
}
function usage(msg: string): never {
  console.error(`run-all: ${msg}\nusage: run-all.ts [--only ${RUNNERS.join("|")}]... [--versions LIST] [--filter REGEX] [--timeout-min N]`);
  process.exit(2);
}
const enabled = (r: RunnerName) => (only.size === 0 && !OPT_IN.has(r)) || only.has(r);

// ---- child processes ---------------------------------------------------------------------------

const children = new Set<number>();

/** Kills a child's whole process group (children are spawned detached, so pid = pgid). */
function killGroup(pid: number, signal: NodeJS.Signals = "SIGTERM"): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

/** Runs a command, streaming its output, with a time limit; resolves with exit code and output. */
function run(
  label: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: string | null; output: string; timedOut: boolean; error?: Error }> {
  return new Promise((resolve) => {
    console.log(`\n=== ${label}: ${[cmd, ...args].join(" ")}`);
    let output = "";
    let timedOut = false;
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    if (child.pid) children.add(child.pid);
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      process.stdout.write(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
      process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n=== ${label}: over the time limit of ${timeoutMs / 60_000} min, killing it`);
      if (child.pid) {
        killGroup(child.pid, "SIGTERM");
        setTimeout(() => child.pid && killGroup(child.pid, "SIGKILL"), 5_000).unref();
      }
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      if (child.pid) children.delete(child.pid);
      resolve({ code: null, signal: null, output, timedOut, error });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (child.pid) children.delete(child.pid);
      resolve({ code, signal, output: stripAnsi(output), timedOut });
    });
  });
}

function lastInt(text: string, re: RegExp): number | undefined {
  let v: number | undefined;
  for (const m of text.matchAll(re)) v = Number(m[1]);
  return v;
}

/** Turns a runner's exit status and parsed counts into a table row (crash => at least 1 failure). */
function row(
  runtime: string,
  t0: number,
  r: Awaited<ReturnType<typeof run>>,
  counts: { passed?: number | undefined; failed?: number | undefined; skipped?: number | undefined },
): Row {
  const out: Row = {
    runtime,
    passed: counts.passed ?? 0,
    failed: counts.failed ?? 0,
    skipped: counts.skipped ?? 0,
    ms: Date.now() - t0,
  };
  let problem: string | undefined;
  if (r.error) problem = `could not start: ${r.error.message}`;
  else if (r.timedOut) problem = "timed out";
  else if (counts.passed === undefined) problem = `no test summary (exit ${r.signal ?? r.code})`;
  else if (r.code !== 0 && out.failed === 0) problem = `exit ${r.signal ?? r.code} with no failed test`;
  if (problem) {
    out.note = `runner crashed: ${problem}`;
    out.failed = Math.max(1, out.failed);
  }
  return out;
}

// ---- runners -----------------------------------------------------------------------------------

async function runNode(env: NodeJS.ProcessEnv, planned: PlannedServer): Promise<Row> {
  const t0 = Date.now();
  const dir = join(REPO_ROOT, "test", "node");
  const all = readdirSync(dir).filter((f) => f.endsWith(".test.ts")).sort();
  const files = nodeFilesFor(planned, all).map((f) => join("test", "node", f));
  const r = await run(
    `node (nats-server ${planned.version})`,
    process.execPath,
    ["--experimental-websocket", "--expose-gc", "--import", "tsx", "--test", "--test-reporter=spec", ...files],
    env,
  );
  // spec reporter: `ℹ pass 3`; tap reporter: `# pass 3`.
  const n = (k: string) => lastInt(r.output, new RegExp(`^[ℹ#] ${k} (\\d+)\\s*$`, "gm"));
  const failed = n("fail") === undefined ? undefined : (n("fail") ?? 0) + (n("cancelled") ?? 0);
  return row("node", t0, r, { passed: n("pass"), failed, skipped: (n("skipped") ?? 0) + (n("todo") ?? 0) });
}

async function runDeno(env: NodeJS.ProcessEnv): Promise<Row> {
  const t0 = Date.now();
  const local = join(REPO_ROOT, "node_modules", ".bin", "deno");
  const [cmd, pre] = existsSync(local) ? [local, []] : ["npx", ["--no-install", "deno"]];
  const r = await run("deno", cmd, [...pre, "test", "-A", "--no-check", "test/deno/"], {
    ...env,
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
  });
  // `ok | 3 passed | 0 failed (1s)`, `FAILED | 2 passed (3 steps) | 1 failed | 1 ignored (1s)`
  const line = [...r.output.matchAll(/^(?:ok|FAILED) \|.*$/gm)].pop()?.[0];
  const get = (k: string) => (line ? Number(new RegExp(`(\\d+) ${k}`).exec(line)?.[1] ?? 0) : undefined);
  return row("deno", t0, r, { passed: get("passed"), failed: get("failed"), skipped: get("ignored") });
}

async function runPackage(env: NodeJS.ProcessEnv): Promise<Row> {
  const t0 = Date.now();
  const r = await run("package", process.execPath, ["--import", "tsx", "test/package/main.ts"], env);
  // `package: 12 passed, 0 failed (60.1s)`
  const m = [...r.output.matchAll(/^package: (\d+) passed, (\d+) failed/gm)].pop();
  return row("package", t0, r, { passed: m ? Number(m[1]) : undefined, failed: m ? Number(m[2]) : undefined });
}

async function runBrowsers(url: string, engine: Engine = "chromium"): Promise<Row[]> {
  const t0 = Date.now();
  const name = { chromium: "Chromium", firefox: "Firefox", webkit: "WebKit" }[engine];
  console.log(`\n=== ${engine === "chromium" ? "browser" : engine}: ${name} page + Web Worker`);
  try {
    const s = await runBrowser({ url, engine, filter, timeoutMs });
    const ms = Date.now() - t0;
    return Object.entries(s.byRun).map(([runtime, counts]) => ({ runtime, ...counts, ms }));
  } catch (e) {
    console.error(e);
    return [
      { runtime: `${engine}+worker`, passed: 0, failed: 1, skipped: 0, ms: Date.now() - t0, note: `runner crashed: ${(e as Error).message.split("\n")[0]}` },
    ];
  }
}

async function runDemoE2E(url: string): Promise<Row> {
  const t0 = Date.now();
  console.log(`\n=== e2e: the demo app in Chromium`);
  try {
    const { runE2E } = await import("./e2e/run-e2e.js");
    const s = await runE2E({ url, filter, timeoutMs });
    return { runtime: "e2e (demo)", ...s, ms: Date.now() - t0 };
  } catch (e) {
    console.error(e);
    return { runtime: "e2e (demo)", passed: 0, failed: 1, skipped: 0, ms: Date.now() - t0, note: `runner crashed: ${(e as Error).message.split("\n")[0]}` };
  }
}

// ---- main --------------------------------------------------------------------------------------

let server: NatsServer | undefined;

async function shutdown(code: number): Promise<never> {
  for (const pid of children) killGroup(pid, "SIGKILL");
  await server?.stop().catch(() => undefined);
  process.exit(code);
}
process.once("SIGINT", () => void shutdown(130));
process.once("SIGTERM", () => void shutdown(143));

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");

/** The servers of this run (see the header). With NATS_SERVER_BIN, one entry named by its binary. */
function serversOfRun(): PlannedServer[] {
  if (versions) return planServers(versions.map((v) => resolveVersion(v).version));
  if (process.env.NATS_SERVER_BIN) return [{ version: "NATS_SERVER_BIN", full: true, oldest: false }];
  if (process.env.NATS_SERVER_VERSION) return planServers([resolveVersion(process.env.NATS_SERVER_VERSION).version]);
  return planServers();
}

/** Runs the planned runners against one server of the matrix. */
async function runAgainst(planned: PlannedServer, baseEnv: NodeJS.ProcessEnv): Promise<Row[]> {
  const t0 = Date.now();
  const byBin = planned.version === "NATS_SERVER_BIN";
  if (!planned.full && !enabled("node")) return []; // only Node runs against the older versions
  if (!byBin) {
    const found = findServer(planned.version);
    if (found.missing !== undefined) {
      console.error(`\n=== nats-server ${planned.version}: NOT INSTALLED: ${found.missing}`);
      return [{
        server: planned.version, runtime: "(all)", passed: 0, failed: inCI ? 1 : 0, skipped: 0, ms: 0,
        note: `${inCI ? "FAILED" : "NOT RUN"}: not installed (node scripts/setup.mjs test)`,
      }];
    }
  }
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  if (!byBin) {
    env.NATS_SERVER_VERSION = planned.version;
    delete env.NATS_SERVER_BIN;
  }
  let s: NatsServer;
  try {
    s = await startNatsServer(byBin ? {} : { version: planned.version });
  } catch (e) {
    console.error(e);
    return [{ server: planned.version, runtime: "(all)", passed: 0, failed: 1, skipped: 0, ms: Date.now() - t0,
      note: `server did not start: ${(e as Error).message.split("\n")[0]}` }];
  }
  server = s;
  const name = byBin ? s.version : planned.version;
  console.log(`\n##### nats-server ${s.version} (${s.bin}) pid ${s.pid}: ${s.url} (${s.natsUrl})`);
  env.NATS_WS_URL = s.url;
  env.NATS_URL = s.natsUrl;
  const rows: Row[] = [];
  try {
    if (enabled("node")) rows.push(await runNode(env, planned));
    if (planned.full) {
      // the in-process runners start any server of their own from this process's env
      if (!byBin) process.env.NATS_SERVER_VERSION = planned.version;
      if (enabled("browser")) rows.push(...(await runBrowsers(s.url)));
      if (enabled("firefox")) rows.push(...(await runBrowsers(s.url, "firefox")));
      if (enabled("webkit")) rows.push(...(await runBrowsers(s.url, "webkit")));
      if (enabled("deno")) rows.push(await runDeno(env));
      if (enabled("e2e")) rows.push(await runDemoE2E(s.url));
      if (enabled("package")) rows.push(await runPackage(env));
    }
  } finally {
    await s.stop();
    server = undefined;
  }
  serverTimes.set(name, Date.now() - t0);
  return rows.map((r) => ({ ...r, server: name }));
}

/** Wall time spent on each server (its runners' rows may overlap in time: Chromium and the Worker). */
const serverTimes = new Map<string, number>();

async function main(): Promise<number> {
  const t0 = Date.now();
  const planned = serversOfRun();
  console.log(`servers: ${planned.map((p) => `${p.version}${p.full ? " (all runners)" : " (node)"}`).join(", ")}`);
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  if (filter) baseEnv.SUITE_FILTER = filter;
  else delete baseEnv.SUITE_FILTER;
  if (process.stdout.isTTY && !baseEnv.NO_COLOR) baseEnv.FORCE_COLOR = "1";
  else if (!process.stdout.isTTY) baseEnv.NO_COLOR = "1";

  const rows: Row[] = [];
  for (const p of planned) rows.push(...(await runAgainst(p, baseEnv)));
  printTables(rows, Date.now() - t0);
  const total = sum(rows);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  return total.failed > 0 || rows.length === 0 ? 1 : 0;
}

function sum(rows: readonly Row[]): { passed: number; failed: number; skipped: number; ms: number } {
  return rows.reduce(
    (a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped, ms: a.ms + r.ms }),
    { passed: 0, failed: 0, skipped: 0, ms: 0 },
  );
}

/** The table per server and runtime, then one line per server. */
function printTables(rows: readonly Row[], totalMs: number): void {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
  const width = Math.max(16, ...rows.map((r) => r.runtime.length + 1)); // `webkit-worker v3-ws`
  const line = (srv: string, name: string, p: number | string, f: number | string, s: number | string, t: string, note = "") =>
    `${srv.padEnd(9)}${name.padEnd(width)}${pad(p, 7)}${pad(f, 7)}${pad(s, 8)}${pad(t, 9)}${note ? `  ${note}` : ""}`;
  console.log("\n" + line("server", "runtime", "passed", "failed", "skipped", "time"));
  for (const r of rows) console.log(line(r.server ?? "", r.runtime, r.passed, r.failed, r.skipped, secs(r.ms), r.note));
  const total = sum(rows);
  console.log(line("total", "", total.passed, total.failed, total.skipped, secs(totalMs)));
  if (rows.length === 0) console.log("(no runner selected)");

  const servers = [...new Set(rows.map((r) => r.server ?? ""))];
  console.log("\n" + line("server", "result", "passed", "failed", "skipped", "time"));
  for (const srv of servers) {
    const of = rows.filter((r) => (r.server ?? "") === srv);
    const t = sum(of);
    const result = of.some((r) => r.note?.startsWith("NOT RUN")) ? "NOT RUN" : t.failed > 0 ? "FAILED" : "ok";
    console.log(line(srv, result, t.passed, t.failed, t.skipped, secs(serverTimes.get(srv) ?? t.ms), of.map((r) => r.note).filter(Boolean).join("; ")));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (e) => {
    console.error(e);
    for (const pid of children) killGroup(pid, "SIGKILL");
    await server?.stop().catch(() => undefined);
    console.log("0 passed, 1 failed");
    process.exitCode = 1;
  },
);
