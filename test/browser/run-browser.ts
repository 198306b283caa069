/**
 * Runs the portable suites in Chromium, in the page (runtime "chromium") and in a dedicated module
 * Web Worker (runtime "worker").
 *
 * 1. esbuild bundles a generated entry (test/browser/page-runner.ts + one lazy chunk per
 *    `test/suite/*.suite.ts`) for the browser into a temp dir. A suite that does not compile is
 *    left out and reported as a failure of that suite.
 * 2. A tiny node:http server on 127.0.0.1 (ephemeral port) serves the bundle.
 * 3. Playwright (playwright-core) drives the system Chromium (`/usr/bin/chromium`, or env
 *    `CHROMIUM_PATH`): runs in the page and in a worker, each with nats.ws and with the v3 `wsconnect()`;
 *    results stream back as they happen and are printed as `ok - [runtime transport] suite > test` /
 *    `not ok - [runtime transport] suite > test: message`.
 * 4. A screenshot of the page is saved to `test-artifacts/browser.png`.
 *
 * CLI: `node --experimental-websocket --import tsx test/browser/run-browser.ts` (uses env NATS_WS_URL,
 * else starts its own nats-server). Options: `--runtime chromium|worker` (repeatable),
 * `--transport nats.ws|v3-ws` (repeatable; default both), `--filter REGEX` (or env SUITE_FILTER), `--headed`.
 */
import { build, type BuildFailure, type Message, type Plugin } from "esbuild";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserTestResult } from "./page-runner.js";
import { CHROMIUM_PATH, chromiumArgs } from "../harness/chromium.js";
import { runLabel } from "../harness/context.js";
import type { Transport } from "../harness/suite.js";
import { serveDir, type StaticServer } from "../harness/static-server.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SUITE_DIR = join(REPO_ROOT, "test", "suite");
const PAGE_RUNNER = join(REPO_ROOT, "test", "browser", "page-runner.ts");
/**
 * nats.ws's ESM bundle embeds tweetnacl, whose PRNG set-up has a guarded `require("crypto")` that is
 * only reached where `require` exists (never in a browser); leave it unresolved.
 */
const EXTERNAL = ["crypto"];

export type BrowserRuntime = "chromium" | "worker";
/** The clients a browser can connect with (no TCP in a browser). */
export type BrowserTransport = Exclude<Transport, "v3-tcp">;

export interface BrowserRunOptions {
  /** WebSocket URL of the nats-server. */
  url: string;
  /** Which runs to do (default both). */
  runtimes?: readonly BrowserRuntime[] | undefined;
  /** With which clients (default nats.ws and the v3 `wsconnect()`); each runtime runs once per client. */
  transports?: readonly BrowserTransport[] | undefined;
  /** Regular expression matched against `suite > test name`. */
  filter?: string | undefined;
  /** Time limit of the page and worker runs together, in ms (default 25 min). */
  timeoutMs?: number | undefined;
  /** Chromium binary (default env CHROMIUM_PATH, else /usr/bin/chromium). */
  executablePath?: string | undefined;
  /** Screenshot file; false for none (default test-artifacts/browser.png). */
  screenshot?: string | false | undefined;
  /** Show the browser window (needs a display). */
  headed?: boolean | undefined;
  /** Where output lines go (default console.log). */
  log?: (line: string) => void | undefined;
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface BrowserRunSummary extends Counts {
  results: BrowserTestResult[];
  /** Counts per run, keyed by its label without brackets: `chromium`, `worker v3-ws`, … */
  byRun: Record<string, Counts>;
}

/** `ok - [runtime] suite > name` / `not ok - ...: message` / `skip - ...`. */
export function formatResult(r: BrowserTestResult): string {
  const name = `${runLabel(r.runtime, r.transport)} ${r.suite} > ${r.name}`;
  if (r.status === "pass") return `ok - ${name} (${r.ms} ms)`;
  if (r.status === "skip") return `skip - ${name}`;
  return `not ok - ${name}: ${(r.error ?? "failed").replace(/\s*\n\s*/g, " ")}`;
}

function suiteFiles(): string[] {
  return readdirSync(SUITE_DIR)
    .filter((f) => f.endsWith(".suite.ts"))
    .sort()
    .map((f) => join(SUITE_DIR, f));
}

const suiteNameOf = (file: string) => file.replace(/^.*[\\/]/, "").replace(/\.suite\.ts$/, "");

function entryPlugin(suites: readonly string[]): Plugin {
  return {
    name: "suite-entry",
    setup(b) {
      b.onResolve({ filter: /^suite-entry$/ }, () => ({ path: "suite-entry", namespace: "suite-entry" }));
      b.onLoad({ filter: /.*/, namespace: "suite-entry" }, () => ({
        resolveDir: REPO_ROOT,
        loader: "ts",
        contents: [
          `import { start } from ${JSON.stringify(PAGE_RUNNER)};`,
          `start([`,
          ...suites.map((f) => `  [${JSON.stringify(suiteNameOf(f))}, () => import(${JSON.stringify(f)})],`),
          `], "entry.js");`,
        ].join("\n"),
      }));
    },
  };
}

function describeErrors(errors: readonly Message[]): string {
  return errors
    .slice(0, 3)
    .map((e) => (e.location ? `${relative(REPO_ROOT, e.location.file)}:${e.location.line}: ${e.text}` : e.text))
    .join("; ");
}

async function bundle(outdir: string, suites: readonly string[]): Promise<void> {
  await build({
    entryPoints: ["suite-entry"],
    plugins: [entryPlugin(suites)],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir,
    entryNames: "entry",
    chunkNames: "chunks/[name]-[hash]",
    sourcemap: "inline",
    logLevel: "silent",
    absWorkingDir: REPO_ROOT,
    external: EXTERNAL,
  });
}

/** Bundles everything; suites that fail to compile are left out and returned with their errors. */
async function bundleAll(outdir: string): Promise<{ name: string; error: string }[]> {
  const suites = suiteFiles();
  try {
    await bundle(outdir, suites);
    return [];
  } catch (e) {
    // Find which suites break the build, then build without them.
    const broken: { name: string; error: string }[] = [];
    const good: string[] = [];
    for (const f of suites) {
      try {
        await build({
          entryPoints: [f],
          bundle: true,
          write: false,
          format: "esm",
          platform: "browser",
          target: "es2022",
          logLevel: "silent",
          absWorkingDir: REPO_ROOT,
          external: EXTERNAL,
        });
        good.push(f);
      } catch (err) {
        broken.push({ name: suiteNameOf(f), error: `build failed: ${describeErrors((err as BuildFailure).errors ?? [])}` });
      }
    }
    if (broken.length === 0) {
      throw new Error(`esbuild failed to bundle the page runner: ${describeErrors((e as BuildFailure).errors ?? [])}`);
    }
    await bundle(outdir, good);
    return broken;
  }
}


const INDEX_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>suite runner</title>
<style>
body{font:13px/1.4 monospace;margin:12px} li.pass{color:#060} li.fail{color:#b00;font-weight:bold} li.skip{color:#888}
</style></head>
<body><h3>portable suites: chromium page + worker</h3><ol id="results"></ol>
<script type="module" src="entry.js"></script></body></html>
`;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out (browser time limit reached)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs the suites in Chromium (page and/or worker) and returns pass/fail counts and results. */
export async function runBrowser(opts: BrowserRunOptions): Promise<BrowserRunSummary> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const runtimes = opts.runtimes ?? ["chromium", "worker"];
  const transports = opts.transports ?? ["nats.ws", "v3-ws"];
  const runs = runtimes.flatMap((runtime) => transports.map((transport) => ({ runtime, transport })));
  const deadline = Date.now() + (opts.timeoutMs ?? 25 * 60_000);
  const executablePath = opts.executablePath ?? CHROMIUM_PATH;
  const screenshot = opts.screenshot ?? join(REPO_ROOT, "test-artifacts", "browser.png");
  const filter = opts.filter ?? process.env.SUITE_FILTER ?? undefined;

  const results: BrowserTestResult[] = [];
  let accepting = true;
  const record = (r: BrowserTestResult) => {
    if (!accepting) return;
    results.push(r);
    log(formatResult(r));
  };
  const fail = (run: { runtime: BrowserRuntime; transport: BrowserTransport }, suite: string, name: string, error: string) =>
    record({ ...run, suite, name, status: "fail", error, ms: 0 });

  const dir = mkdtempSync(join(tmpdir(), "suite-browser-"));
  let server: StaticServer | undefined;
  // Imported lazily so that merely importing this module stays cheap.
  const { chromium } = await import("playwright-core");
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    const broken = await bundleAll(dir);
    writeFileSync(join(dir, "index.html"), INDEX_HTML);
    for (const b of broken) for (const run of runs) fail(run, b.name, "(load suite)", b.error);

    const served = await serveDir(dir);
    server = served;

    browser = await chromium.launch({
      executablePath,
      headless: !opts.headed,
      args: chromiumArgs(opts.headed),
      timeout: 30_000,
    });
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.on("pageerror", (e) => log(`# [chromium] page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") log(`# [chromium] console.error: ${m.text()}`);
    });
    page.on("worker", (w) => w.on("close", () => undefined));
    await page.exposeFunction("__report", (r: BrowserTestResult) => record(r));
    await page.goto(`${served.origin}/index.html`, { timeout: 30_000 });
    await page.waitForFunction(() => "__suiteRunner" in globalThis, undefined, { timeout: 30_000 });

    for (const [i, run] of runs.entries()) {
      const before = results.length;
      const label = runLabel(run.runtime, run.transport);
      try {
        await withTimeout(
          page.evaluate(
            ([rt, url, filter, transport]) => {
              const runner = (globalThis as unknown as {
                __suiteRunner: Record<string, (url: string, filter?: string, transport?: string) => Promise<unknown>>;
              }).__suiteRunner;
              return runner[rt === "worker" ? "runWorker" : "runPage"]!(url, filter, transport).then(() => undefined);
            },
            [run.runtime, opts.url, filter, run.transport] as const,
          ),
          Math.max(0, deadline - Date.now()),
          `the ${label} run`,
        );
      } catch (e) {
        const msg = (e as Error).message.split("\n")[0] ?? String(e);
        fail(run, "(runner)", "run", msg);
        if (/timed out/.test(msg)) {
          // A stuck page cannot be trusted for the next run: report the rest as not run.
          for (const other of runs.slice(i + 1)) fail(other, "(runner)", "run", "not run: time limit reached");
          accepting = false;
          break;
        }
      }
      if (results.length === before) log(`# ${label} no tests ran`);
    }

    if (screenshot) {
      try {
        mkdirSync(join(screenshot, ".."), { recursive: true });
        await page.screenshot({ path: screenshot, fullPage: true, timeout: 10_000 });
      } catch (e) {
        log(`# screenshot failed: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const count = (rs: BrowserTestResult[]): Counts => ({
    passed: rs.filter((r) => r.status === "pass").length,
    failed: rs.filter((r) => r.status === "fail").length,
    skipped: rs.filter((r) => r.status === "skip").length,
  });
  const byRun: Record<string, Counts> = {};
  for (const run of runs) {
    byRun[runLabel(run.runtime, run.transport).slice(1, -1)] =
      count(results.filter((r) => r.runtime === run.runtime && r.transport === run.transport));
  }
  return { ...count(results), results, byRun };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runtimes: BrowserRuntime[] = [];
  const transports: BrowserTransport[] = [];
  let filter: string | undefined;
  let headed = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--runtime") runtimes.push(args[++i] as BrowserRuntime);
    else if (args[i] === "--transport") transports.push(args[++i] as BrowserTransport);
    else if (args[i] === "--filter") filter = args[++i] ?? "";
    else if (args[i] === "--headed") headed = true;
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const { envOrOwnServer } = await import("../harness/nats-server.js");
  const { url, stop } = await envOrOwnServer();
  try {
    const s = await runBrowser({
      url, runtimes: runtimes.length ? runtimes : undefined, transports: transports.length ? transports : undefined, filter, headed,
    });
    console.log(`# browser: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
    process.exitCode = s.failed > 0 ? 1 : 0;
  } finally {
    await stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
