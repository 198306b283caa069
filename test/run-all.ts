/**
 * Runs every test against every nats-server of the matrix (scripts/nats-servers.json; plan in
 * test/harness/matrix-plan.ts), one server started per version for its runners:
 *
 *   node     node --experimental-websocket --import tsx --test --test-reporter=spec test/node/<files>
 *            (every version: the behaviour suites, interop, faults, resume, permissions, HTTP, server checks;
 *            the newest: every file)
 *   browser  Chromium page + dedicated Web Worker, over nats.ws and v3 wsconnect (test/browser/run-browser.ts,
 *            in-process)                                                                    newest only
 *   firefox, webkit   the same suites in Firefox ESR and WebKitGTK (test/harness/engines.ts), page and Worker,
 *            over v3 wsconnect, then the demo's main flows and the Service Worker media test in that engine
 *            (test/e2e/run-engine-e2e.ts)                                                 newest only
 *   deno     deno test -A --no-check test/deno/      (deno from node_modules/.bin, else npx deno)   newest only
 *   e2e      the demo app (vite build) driven in Chromium (test/e2e/run-e2e.ts, in-process)   newest only
 *   package  the npm tarball in consumer projects: Node, the CLI, Deno, Chromium, a Service Worker,
 *            the size budget (node --import tsx test/package/main.ts)   newest only
 *
 * The runners are jobs (a runner against a server) done by two workers at once (`--jobs N`), longest
 * first, so the older servers' Node runs overlap the newest server's runners; the Chromium demo e2e runs
 * alone at the end, against a server of its own; each server is started
 * before its first job and stopped after its last. Every output line is prefixed with its job
 * (`[node 2.12.15] ok 3 - …`).
 *
 * Children get env NATS_WS_URL (ws://…), NATS_URL (nats://…) and NATS_SERVER_VERSION (so the servers
 * tests start themselves are of the same version). Afterwards a table per server and runtime, and one
 * per server, are printed and, as the very last line, `N passed, N failed`. The exit code is non-zero
 * when a test failed or a runner crashed (a crashed runner counts as at least one failure). A server of
 * the matrix that is not installed is a failure with CI=true, else a loud note.
 *
 * Which servers: `--versions` when given; else env NATS_SERVER_BIN (that binary alone, everything) or env
 * NATS_SERVER_VERSION (that version alone, everything); else the whole matrix.
 *
 * Usage: node --experimental-websocket --import tsx test/run-all.ts
 *          [--only node|deno|browser|e2e|package|firefox|webkit]...   run only these runners (repeatable)
 *          [--versions 2.9.10,2.12.x,newest]   run against these servers only
 *          [--filter REGEX]                only tests whose `suite > test name` matches (env SUITE_FILTER)
 *          [--timeout-min N]               time limit per runner (default 25)
 *          [--jobs N]                      jobs at once (default 2; env RUN_ALL_JOBS)
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNatsServer, type NatsServer } from "./harness/nats-server.js";
import { runBrowser, type BrowserTransport } from "./browser/run-browser.js";
import type { Engine } from "./harness/engines.js";
import { nodeFilesFor, planServers, type PlannedServer } from "./harness/matrix-plan.js";
import { findServer, resolveVersion } from "../scripts/nats-servers.mjs";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNNERS = ["node", "browser", "firefox", "webkit", "deno", "e2e", "package"] as const;
type RunnerName = (typeof RUNNERS)[number];

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
let jobsAtOnce = Number(process.env.RUN_ALL_JOBS ?? 2);
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
    else if (a === "--jobs") jobsAtOnce = Number(value());
    else usage(`unknown argument ${a}`);
  }
  if (!Number.isInteger(jobsAtOnce) || jobsAtOnce < 1) usage("--jobs needs a whole number of at least 1");
}
function usage(msg: string): never {
  console.error(`run-all: ${msg}\nusage: run-all.ts [--only ${RUNNERS.join("|")}]... [--versions LIST] [--filter REGEX] [--timeout-min N] [--jobs N]`);
  process.exit(2);
}
const enabled = (r: RunnerName) => only.size === 0 || only.has(r);

// ---- output ------------------------------------------------------------------------------------

/** A job's log: every line written whole, prefixed with the job's label, as soon as it is complete. */
class PrefixedLog {
  #carry = "";
  constructor(private readonly prefix: string, private readonly out: NodeJS.WriteStream) {}
  /** Writes the complete lines of `text`; keeps an unfinished last line for the next call. */
  write(text: string): void {
    const lines = (this.#carry + text).split("\n");
    this.#carry = lines.pop() ?? "";
    if (lines.length) this.out.write(lines.map((l) => `${this.prefix} ${l}\n`).join(""));
  }
  /** Writes whatever is left of an unfinished line. */
  end(): void {
    if (this.#carry) this.out.write(`${this.prefix} ${this.#carry}\n`);
    this.#carry = "";
  }
}

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

type RunResult = { code: number | null; signal: string | null; output: string; timedOut: boolean; error?: Error };

/** Runs a command, streaming its output (prefixed with `label`), with a time limit; resolves with exit code and output. */
function run(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    const prefix = `[${label}]`;
    console.log(`${prefix} === ${[cmd, ...args].join(" ")}`);
    const outLog = new PrefixedLog(prefix, process.stdout);
    const errLog = new PrefixedLog(prefix, process.stderr);
    let output = "";
    let timedOut = false;
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    if (child.pid) children.add(child.pid);
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
      outLog.write(d.toString());
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
      errLog.write(d.toString());
    });
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`${prefix} === over the time limit of ${timeoutMs / 60_000} min, killing it`);
      if (child.pid) {
        killGroup(child.pid, "SIGTERM");
        setTimeout(() => child.pid && killGroup(child.pid, "SIGKILL"), 5_000).unref();
      }
    }, timeoutMs);
    const done = (r: RunResult) => {
      clearTimeout(timer);
      if (child.pid) children.delete(child.pid);
      outLog.end();
      errLog.end();
      resolve(r);
    };
    child.once("error", (error) => done({ code: null, signal: null, output, timedOut, error }));
    child.once("close", (code, signal) => done({ code, signal, output: stripAnsi(output), timedOut }));
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
  r: RunResult,
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

/** A row for an in-process runner that threw. */
const crashed = (runtime: string, t0: number, e: unknown): Row => ({
  runtime, passed: 0, failed: 1, skipped: 0, ms: Date.now() - t0, note: `runner crashed: ${(e as Error).message?.split("\n")[0] ?? String(e)}`,
});

// ---- runners -----------------------------------------------------------------------------------

/** What a job gets: its server, the env for children, and a log for in-process runners. */
interface JobContext {
  planned: PlannedServer;
  server: NatsServer;
  env: NodeJS.ProcessEnv;
  label: string;
  log(line: string): void;
}

/**
 * The newest server's Node files that run as a job of their own, beside the rest: the CLI (a process per
 * command), the chaos campaign, the cluster and the files on disk, about half of the Node run's time.
 */
const SECOND_NODE_JOB = /^(cli.*|chaos.*|cluster|files)\.test\.ts$/;
const SECOND_NODE_RUNTIME = "node (cli, chaos, cluster, files)";

/** The Node test files of a server, or of one of the newest server's two Node jobs. */
function nodeFiles(planned: PlannedServer, part?: "first" | "second"): string[] {
  const all = readdirSync(join(REPO_ROOT, "test", "node")).filter((f) => f.endsWith(".test.ts")).sort();
  const files = nodeFilesFor(planned, all);
  if (part === undefined) return files;
  return files.filter((f) => SECOND_NODE_JOB.test(f) === (part === "second"));
}

async function runNode(ctx: JobContext, part?: "first" | "second"): Promise<Row[]> {
  const t0 = Date.now();
  const files = nodeFiles(ctx.planned, part).map((f) => join("test", "node", f));
  const r = await run(
    ctx.label,
    process.execPath,
    ["--experimental-websocket", "--expose-gc", "--import", "tsx", "--test", "--test-reporter=spec", ...files],
    ctx.env,
  );
  // spec reporter: `ℹ pass 3`; tap reporter: `# pass 3`.
  const n = (k: string) => lastInt(r.output, new RegExp(`^[ℹ#] ${k} (\\d+)\\s*$`, "gm"));
  const failed = n("fail") === undefined ? undefined : (n("fail") ?? 0) + (n("cancelled") ?? 0);
  return [row(part === "second" ? SECOND_NODE_RUNTIME : "node", t0, r, { passed: n("pass"), failed, skipped: (n("skipped") ?? 0) + (n("todo") ?? 0) })];
}

async function runDeno(ctx: JobContext): Promise<Row[]> {
  const t0 = Date.now();
  const local = join(REPO_ROOT, "node_modules", ".bin", "deno");
  const [cmd, pre] = existsSync(local) ? [local, []] : ["npx", ["--no-install", "deno"]];
  const r = await run(ctx.label, cmd, [...pre, "test", "-A", "--no-check", "test/deno/"], {
    ...ctx.env,
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
  });
  // `ok | 3 passed | 0 failed (1s)`, `FAILED | 2 passed (3 steps) | 1 failed | 1 ignored (1s)`
  const line = [...r.output.matchAll(/^(?:ok|FAILED) \|.*$/gm)].pop()?.[0];
  const get = (k: string) => (line ? Number(new RegExp(`(\\d+) ${k}`).exec(line)?.[1] ?? 0) : undefined);
  return [row("deno", t0, r, { passed: get("passed"), failed: get("failed"), skipped: get("ignored") })];
}

async function runPackage(ctx: JobContext): Promise<Row[]> {
  const t0 = Date.now();
  const r = await run(ctx.label, process.execPath, ["--import", "tsx", "test/package/main.ts"], ctx.env);
  // `package: 12 passed, 0 failed (60.1s)`
  const m = [...r.output.matchAll(/^package: (\d+) passed, (\d+) failed/gm)].pop();
  return [row("package", t0, r, { passed: m ? Number(m[1]) : undefined, failed: m ? Number(m[2]) : undefined })];
}

/**
 * The behaviour suites in one engine, page and Worker: Chromium over both WebSocket clients; Firefox
 * and WebKit over v3 `wsconnect()` alone (the client this library recommends), to keep the run short.
 */
async function runBrowsers(ctx: JobContext, engine: Engine): Promise<Row[]> {
  const t0 = Date.now();
  const transports: BrowserTransport[] = engine === "chromium" ? ["nats.ws", "v3-ws"] : ["v3-ws"];
  try {
    const s = await runBrowser({ url: ctx.server.url, engine, transports, filter, timeoutMs, log: ctx.log });
    const ms = Date.now() - t0;
    return Object.entries(s.byRun).map(([runtime, counts]) => ({ runtime, ...counts, ms }));
  } catch (e) {
    ctx.log(String((e as Error).stack ?? e));
    return [crashed(`${engine}+worker`, t0, e)];
  }
}

/** The demo's main flows and the Service Worker media test in Firefox or WebKit (test/e2e/run-engine-e2e.ts). */
async function runEngineDemoE2E(ctx: JobContext, engine: Engine): Promise<Row[]> {
  const t0 = Date.now();
  const runtime = `e2e (demo, ${engine})`;
  try {
    const { runEngineE2E } = await import("./e2e/run-engine-e2e.js");
    const s = await runEngineE2E({ url: ctx.server.url, engine, filter, timeoutMs, log: ctx.log });
    return [{ runtime, ...s, ms: Date.now() - t0 }];
  } catch (e) {
    ctx.log(String((e as Error).stack ?? e));
    return [crashed(runtime, t0, e)];
  }
}

/**
 * The demo e2e in Chromium, against a server of its own (same version): after the Deno tests had used
 * the shared server, its media test's video decoded to black frames, every time (cause not found).
 */
async function runDemoE2E(ctx: JobContext): Promise<Row[]> {
  const t0 = Date.now();
  let own: NatsServer | undefined;
  try {
    own = await startNatsServer(ctx.planned.version === "NATS_SERVER_BIN" ? {} : { version: ctx.planned.version });
    running.add(own);
    const { runE2E } = await import("./e2e/run-e2e.js");
    const s = await runE2E({ url: own.url, filter, timeoutMs, log: ctx.log });
    return [{ runtime: "e2e (demo)", ...s, ms: Date.now() - t0 }];
  } catch (e) {
    ctx.log(String((e as Error).stack ?? e));
    return [crashed("e2e (demo)", t0, e)];
  } finally {
    if (own) {
      await own.stop().catch(() => undefined);
      running.delete(own);
    }
  }
}

// ---- jobs --------------------------------------------------------------------------------------

/** A runner against one server. */
interface Job {
  runner: RunnerName;
  /** Its name in the log, when not the runner's. */
  label?: string;
  /** Runs by itself, after the others (the Chromium demo e2e, the job most sensitive to a busy machine). */
  alone?: boolean;
  planned: PlannedServer;
  /** Seconds it took in an earlier run (longest first keeps both workers busy to the end). */
  expectS: number;
  run(ctx: JobContext): Promise<Row[]>;
}

/** The jobs of a planned server, in the order of the table. */
function jobsFor(planned: PlannedServer): Job[] {
  const job = (runner: RunnerName, expectS: number, fn: (ctx: JobContext) => Promise<Row[]>): Job => ({ runner, planned, expectS, run: fn });
  if (!planned.full) return enabled("node") ? [job("node", planned.oldest ? 175 : 155, (ctx) => runNode(ctx))] : [];
  const all: Job[] = [
    job("node", 290, (ctx) => runNode(ctx, "first")),
    { ...job("node", 350, (ctx) => runNode(ctx, "second")), label: "node-2" },
    job("browser", 125, (ctx) => runBrowsers(ctx, "chromium")),
    job("firefox", 130, async (ctx) => [...(await runBrowsers(ctx, "firefox")), ...(await runEngineDemoE2E(ctx, "firefox"))]),
    job("webkit", 135, async (ctx) => [...(await runBrowsers(ctx, "webkit")), ...(await runEngineDemoE2E(ctx, "webkit"))]),
    job("deno", 135, runDeno),
    { ...job("e2e", 245, runDemoE2E), alone: true },
    job("package", 25, runPackage),
  ];
  return all.filter((j) => enabled(j.runner));
}

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");

/** The servers of this run (see the header). With NATS_SERVER_BIN, one entry named by its binary. */
function serversOfRun(): PlannedServer[] {
  if (versions) return planServers(versions.map((v) => resolveVersion(v).version));
  if (process.env.NATS_SERVER_BIN) return [{ version: "NATS_SERVER_BIN", full: true, oldest: false }];
  if (process.env.NATS_SERVER_VERSION) return planServers([resolveVersion(process.env.NATS_SERVER_VERSION).version]);
  return planServers();
}

/** Servers running now (stopped on exit). */
const running = new Set<NatsServer>();

/**
 * One server of the matrix for its jobs: started by the first job that needs it, stopped when the
 * last one ends.
 */
class ServerSlot {
  #started?: Promise<NatsServer>;
  #left: number;
  #t0 = 0;
  /** Wall time from start to stop. */
  ms = 0;
  /** The name of its rows: the version, or the binary's own version with NATS_SERVER_BIN. */
  name: string;
  constructor(readonly planned: PlannedServer, jobs: number) {
    this.#left = jobs;
    this.name = planned.version;
  }
  get byBin(): boolean {
    return this.planned.version === "NATS_SERVER_BIN";
  }
  acquire(): Promise<NatsServer> {
    this.#started ??= (async () => {
      this.#t0 = Date.now();
      const s = await startNatsServer(this.byBin ? {} : { version: this.planned.version });
      running.add(s);
      if (this.byBin) this.name = s.version;
      console.log(`\n##### nats-server ${s.version} (${s.bin}) pid ${s.pid}: ${s.url} (${s.natsUrl})`);
      return s;
    })();
    return this.#started;
  }
  async release(): Promise<void> {
    if (--this.#left > 0 || !this.#started) return;
    const s = await this.#started.catch(() => undefined);
    if (!s) return;
    await s.stop();
    running.delete(s);
    this.ms = Date.now() - this.#t0;
  }
}

async function shutdown(code: number): Promise<never> {
  for (const pid of children) killGroup(pid, "SIGKILL");
  await Promise.all([...running].map((s) => s.stop().catch(() => undefined)));
  process.exit(code);
}
process.once("SIGINT", () => void shutdown(130));
process.once("SIGTERM", () => void shutdown(143));

/** Runs one job against its slot's server; a server that does not start fails the job. */
async function runJob(job: Job, slot: ServerSlot, baseEnv: NodeJS.ProcessEnv): Promise<Row[]> {
  const t0 = Date.now();
  const label = `${job.label ?? job.runner} ${job.planned.version}`;
  try {
    let s: NatsServer;
    try {
      s = await slot.acquire();
    } catch (e) {
      console.error(`[${label}] nats-server did not start: ${(e as Error).stack ?? e}`);
      return [{ runtime: job.runner, passed: 0, failed: 1, skipped: 0, ms: Date.now() - t0, note: `server did not start: ${(e as Error).message.split("\n")[0]}` }];
    }
    const env: NodeJS.ProcessEnv = { ...baseEnv, NATS_WS_URL: s.url, NATS_URL: s.natsUrl };
    if (!slot.byBin) {
      env.NATS_SERVER_VERSION = job.planned.version;
      delete env.NATS_SERVER_BIN;
    }
    const prefix = `[${label}]`;
    return await job.run({ planned: job.planned, server: s, env, label, log: (line) => console.log(`${prefix} ${line}`) });
  } finally {
    await slot.release();
  }
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const planned = serversOfRun();
  console.log(`servers: ${planned.map((p) => `${p.version}${p.full ? " (all runners)" : " (node)"}`).join(", ")}; ${jobsAtOnce} jobs at once`);
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  if (filter) baseEnv.SUITE_FILTER = filter;
  else delete baseEnv.SUITE_FILTER;
  if (process.stdout.isTTY && !baseEnv.NO_COLOR) baseEnv.FORCE_COLOR = "1";
  else if (!process.stdout.isTTY) baseEnv.NO_COLOR = "1";

  // The in-process runners (browsers, e2e) start any server of their own from this process's env; only
  // the newest (full) server has them.
  const full = planned.find((p) => p.full);
  if (full && full.version !== "NATS_SERVER_BIN") process.env.NATS_SERVER_VERSION = full.version;

  const rowsOf = new Map<Job, Row[]>();
  const notInstalled: Row[] = [];
  const slots = new Map<PlannedServer, ServerSlot>();
  const queue: Job[] = [];
  for (const p of planned) {
    const jobs = jobsFor(p);
    if (jobs.length === 0) continue;
    if (p.version !== "NATS_SERVER_BIN") {
      const found = findServer(p.version);
      if (found.missing !== undefined) {
        console.error(`\n=== nats-server ${p.version}: NOT INSTALLED: ${found.missing}`);
        notInstalled.push({
          server: p.version, runtime: "(all)", passed: 0, failed: inCI ? 1 : 0, skipped: 0, ms: 0,
          note: `${inCI ? "FAILED" : "NOT RUN"}: not installed (node scripts/setup.mjs test)`,
        });
        continue;
      }
    }
    slots.set(p, new ServerSlot(p, jobs.length));
    queue.push(...jobs);
  }
  const order = [...queue];
  queue.sort((a, b) => b.expectS - a.expectS);
  // the jobs that may share the machine, `jobsAtOnce` at a time, longest first; then the ones that run alone
  const alone = queue.filter((j) => j.alone);
  queue.splice(0, queue.length, ...queue.filter((j) => !j.alone));
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) rowsOf.set(job, await runJob(job, slots.get(job.planned)!, baseEnv));
  };
  await Promise.all(Array.from({ length: Math.min(jobsAtOnce, Math.max(1, queue.length)) }, worker));
  for (const job of alone) rowsOf.set(job, await runJob(job, slots.get(job.planned)!, baseEnv));

  const rows: Row[] = [...notInstalled];
  for (const job of order) rows.push(...(rowsOf.get(job) ?? []).map((r) => ({ ...r, server: slots.get(job.planned)!.name })));
  const rank = (r: Row) => planned.findIndex((p) => p.version === r.server || slots.get(p)?.name === r.server);
  rows.sort((a, b) => rank(a) - rank(b));
  const serverTimes = new Map([...slots.values()].map((slot) => [slot.name, slot.ms]));
  printTables(rows, serverTimes, Date.now() - t0);
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

/** The table per server and runtime, then one line per server (its time: from its start to its stop). */
function printTables(rows: readonly Row[], serverTimes: ReadonlyMap<string, number>, totalMs: number): void {
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
    await Promise.all([...running].map((s) => s.stop().catch(() => undefined)));
    console.log("0 passed, 1 failed");
    process.exitCode = 1;
  },
);
