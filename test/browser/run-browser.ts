/**
 * Runs the portable suites in a browser engine (Chromium by default; Firefox or WebKit opt-in), in the
 * page (runtime "chromium": a browser page, whatever the engine) and in a dedicated module Web Worker
 * (runtime "worker").
 *
 * 1. esbuild bundles a generated entry (test/browser/page-runner.ts + one lazy chunk per
 *    `test/suite/*.suite.ts`) for the browser into a temp dir. A suite that does not compile is
 *    left out and reported as a failure of that suite.
 * 2. A tiny node:http server on 127.0.0.1 (ephemeral port) serves the bundle.
 * 3. test/harness/engines.ts opens a page in the engine: Debian's Chromium through playwright-core
 *    (`/usr/bin/chromium`, or env `CHROMIUM_PATH`), Firefox ESR through puppeteer-core (WebDriver BiDi), or
 *    WebKitGTK's MiniBrowser through WebKitWebDriver and selenium-webdriver (under xvfb-run). It runs in
 *    the page and in a worker, each with nats.ws and with the v3 `wsconnect()`; results stream back as
 *    they happen and are printed as `ok - [runtime transport] suite > test` /
 *    `not ok - [runtime transport] suite > test: message`, where the runtime is `chromium` and `worker`
 *    in Chromium, `firefox` and `firefox-worker` in Firefox, `webkit` and `webkit-worker` in WebKit.
 * 4. A screenshot of the page is saved to `test-artifacts/browser.png` (`browser-<engine>.png` for the
 *    other engines).
 *
 * CLI: `node --experimental-websocket --import tsx test/browser/run-browser.ts` (uses env NATS_WS_URL,
 * else starts its own nats-server). Options: `--engine chromium|firefox|webkit` (default chromium),
 * `--runtime chromium|worker` (repeatable; `chromium` is the page in every engine),
 * `--transport nats.ws|v3-ws` (repeatable; default both), `--filter REGEX` (or env SUITE_FILTER), `--headed`.
 */
import { build, type BuildFailure, type Message, type Plugin } from "esbuild";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BrowserTestResult } from "./page-runner.js";
import { ENGINES, launchPage, withTimeout, type Engine, type EnginePage } from "../harness/engines.js";
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
  /** The browser engine (default chromium). */
  engine?: Engine | undefined;
  /** Which runs to do (default both). */
  runtimes?: readonly BrowserRuntime[] | undefined;
  /** With which clients (default nats.ws and the v3 `wsconnect()`); each runtime runs once per client. */
  transports?: readonly BrowserTransport[] | undefined;
  /** Regular expression matched against `suite > test name`. */
  filter?: string | undefined;
  /** Time limit of the page and worker runs together, in ms (default 25 min). */
  timeoutMs?: number | undefined;
  /** Browser binary (default per engine: env CHROMIUM_PATH, else /usr/bin/chromium; see engines.ts). */
  executablePath?: string | undefined;
  /** Screenshot file; false for none (default test-artifacts/browser.png, browser-<engine>.png). */
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
  /** Counts per run, keyed by its label without brackets: `chromium`, `worker v3-ws`, `firefox-worker`, … */
  byRun: Record<string, Counts>;
  /** The browser's name and version, e.g. `Firefox 153.8.0esr`. */
  version?: string | undefined;
}

/** A run's label: `[chromium]`, `[worker v3-ws]`, `[firefox]`, `[webkit-worker v3-ws]`, … */
export function browserRunLabel(engine: Engine, runtime: BrowserRuntime, transport: Transport): string {
  const name = engine === "chromium" ? runtime : runtime === "worker" ? `${engine}-worker` : engine;
  return transport === "nats.ws" ? `[${name}]` : `[${name} ${transport}]`;
}

/** `ok - [runtime] suite > name` / `not ok - ...: message` / `skip - ...`. */
export function formatResult(r: BrowserTestResult, engine: Engine = "chromium"): string {
  const name = `${browserRunLabel(engine, r.runtime === "worker" ? "worker" : "chromium", r.transport)} ${r.suite} > ${r.name}`;
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
<body><h3>portable suites: page + worker</h3><ol id="results"></ol>
<script type="module" src="entry.js"></script></body></html>
`;

/** Runs the suites in a browser engine (page and/or worker) and returns pass/fail counts and results. */
export async function runBrowser(opts: BrowserRunOptions): Promise<BrowserRunSummary> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const runtimes = opts.runtimes ?? ["chromium", "worker"];
  const transports = opts.transports ?? ["nats.ws", "v3-ws"];
  const runs = runtimes.flatMap((runtime) => transports.map((transport) => ({ runtime, transport })));
  const deadline = Date.now() + (opts.timeoutMs ?? 25 * 60_000);
  const engine = opts.engine ?? "chromium";
  const screenshot = opts.screenshot ?? join(REPO_ROOT, "test-artifacts", engine === "chromium" ? "browser.png" : `browser-${engine}.png`);
  const filter = opts.filter ?? process.env.SUITE_FILTER ?? undefined;

  const results: BrowserTestResult[] = [];
  let accepting = true;
  const record = (r: BrowserTestResult) => {
    if (!accepting) return;
    results.push(r);
    log(formatResult(r, engine));
  };
  const fail = (run: { runtime: BrowserRuntime; transport: BrowserTransport }, suite: string, name: string, error: string) =>
    record({ ...run, suite, name, status: "fail", error, ms: 0 });

  const dir = mkdtempSync(join(tmpdir(), "suite-browser-"));
  let server: StaticServer | undefined;
  let page: EnginePage | undefined;
  let version: string | undefined;
  try {
    const broken = await bundleAll(dir);
    writeFileSync(join(dir, "index.html"), INDEX_HTML);
    for (const b of broken) for (const run of runs) fail(run, b.name, "(load suite)", b.error);

    const served = await serveDir(dir);
    server = served;

    page = await launchPage(engine, {
      executablePath: opts.executablePath,
      headed: opts.headed,
      log: (line) => log(`# [${engine}] ${line}`),
    });
    version = page.version;
    log(`# ${engine}: ${version}`);
    await page.expose("__report", (r: BrowserTestResult) => record(r));
    await page.goto(`${served.origin}/index.html`, 30_000);
    await page.waitForFunction(() => "__suiteRunner" in globalThis, 30_000);

    for (const [i, run] of runs.entries()) {
      const before = results.length;
      const label = browserRunLabel(engine, run.runtime, run.transport);
      try {
        await withTimeout(
          page.evaluate(
            ([rt, url, filter, transport]) => {
              const runner = (globalThis as unknown as {
                __suiteRunner: Record<string, (url: string, filter?: string, transport?: string) => Promise<unknown>>;
              }).__suiteRunner;
              return runner[rt === "worker" ? "runWorker" : "runPage"]!(url, filter ?? undefined, transport).then(() => undefined);
            },
            [run.runtime, opts.url, filter ?? null, run.transport] as const,
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
        await page.screenshot(screenshot);
      } catch (e) {
        log(`# screenshot failed: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  } finally {
    await page?.close().catch(() => undefined);
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
    byRun[browserRunLabel(engine, run.runtime, run.transport).slice(1, -1)] =
      count(results.filter((r) => r.runtime === run.runtime && r.transport === run.transport));
  }
  return { ...count(results), results, byRun, version };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runtimes: BrowserRuntime[] = [];
  const transports: BrowserTransport[] = [];
  let filter: string | undefined;
  let headed = false;
  let engine: Engine = "chromium";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--engine") {
      engine = args[++i] as Engine;
      if (!ENGINES.includes(engine)) throw new Error(`--engine: one of ${ENGINES.join(", ")}`);
    }
    else if (args[i] === "--runtime") runtimes.push(args[++i] as BrowserRuntime);
    else if (args[i] === "--transport") transports.push(args[++i] as BrowserTransport);
    else if (args[i] === "--filter") filter = args[++i] ?? "";
    else if (args[i] === "--headed") headed = true;
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const { envOrOwnServer } = await import("../harness/nats-server.js");
  const { url, stop } = await envOrOwnServer();
  try {
    const s = await runBrowser({
      url, engine, runtimes: runtimes.length ? runtimes : undefined, transports: transports.length ? transports : undefined, filter, headed,
    });
    console.log(`# browser (${engine}): ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
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
