/**
 * End-to-end tests of the demo app (demo/) in real Chromium.
 *
 * 1. `vite build` of the demo (vite.config.ts) into a temp dir, served by a tiny static server on
 *    127.0.0.1 (a build is faster and steadier than the dev server).
 * 2. Playwright (playwright-core) drives the system Chromium (`/usr/bin/chromium`, or env
 *    `CHROMIUM_PATH`) on one page, as one person would, through the tests of demo.e2e.ts in order,
 *    then those of media.e2e.ts (video, images and downloads through the demo's Service Worker).
 *    A Node client (the library itself, over nats.ws) makes changes "from elsewhere" and checks the
 *    server's side of what the page did.
 * 3. Lines `ok - [e2e] name (ms)` / `not ok - [e2e] name: message`; screenshots of the main states
 *    go to `test-artifacts/e2e-*.png` (and `e2e-failed-*.png` for a failed test).
 *
 * CLI: `node --experimental-websocket --import tsx test/e2e/run-e2e.ts [--filter REGEX] [--headed]`
 * (uses env NATS_WS_URL / NATS_URL, else starts its own nats-server). Env E2E_LARGE_MIB sets the size
 * of the large up/down test.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager, type ObjectStoreManager } from "../../src/index.js";
import { closeDialogs, SAVE_PICKER_INIT } from "./page-helpers.js";
import { serveDir } from "../harness/static-server.js";
import type { Page } from "playwright-core";
import { CHROMIUM_PATH, chromiumArgs } from "../harness/chromium.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ARTIFACTS = join(REPO_ROOT, "test-artifacts");

/** What a test gets. */
export interface E2EContext {
  page: Page;
  /** Origin of the served demo, `http://127.0.0.1:PORT`. */
  origin: string;
  /** WebSocket URL of the nats-server. */
  wsUrl: string;
  /** The library in Node, on its own connection: "another client". */
  manager: ObjectStoreManager;
  nc: NatsConnection;
  /** Saves a screenshot of the page as test-artifacts/e2e-NAME.png (the viewport while a dialog is open, else the full page). */
  shot(name: string): Promise<void>;
  /** Prints a `# ` line into the test output (measurements). */
  note(line: string): void;
}

export interface E2ETest {
  name: string;
  /** Time limit (default 30 s). */
  timeoutMs?: number;
  fn(ctx: E2EContext): Promise<void>;
}

export interface E2EOptions {
  url: string;
  filter?: string | undefined;
  headed?: boolean | undefined;
  /** Time limit of the whole stage, in ms (default 10 min). */
  timeoutMs?: number | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface E2ESummary {
  passed: number;
  failed: number;
  skipped: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n").filter((l) => l.trim() && !/^\s+at /.test(l)).slice(0, 3).join(" | ");

/** How {@link runTestList} runs a list of e2e tests. */
export interface TestListOptions {
  /** Only tests whose name matches. */
  re?: RegExp | undefined;
  /** When the stage's time is up (ms since the epoch): later tests fail as not run. */
  deadline: number;
  /** Put before each test's name in the output, e.g. `[e2e]` or `[e2e firefox]`. */
  tag: string;
  log(line: string): void;
  /** Counted into. */
  counts: E2ESummary;
  /** A test's time limit when it names none. */
  defaultTimeoutMs: number;
  /** After a failed test (a screenshot, closing dialogs), given the test's name as a file-name slug. */
  onFail(slug: string): Promise<void>;
}

/** Runs `tests` in order on one context, printing `ok - TAG name (ms)` or `not ok - TAG name: message`. */
export async function runTestList<C>(tests: readonly { name: string; timeoutMs?: number; fn(ctx: C): Promise<void> }[], ctx: C, o: TestListOptions): Promise<void> {
  for (const t of tests) {
    if (o.re && !o.re.test(t.name)) continue;
    const left = o.deadline - Date.now();
    if (left <= 0) {
      o.counts.failed++;
      o.log(`not ok - ${o.tag} ${t.name}: not run, the time limit was reached`);
      continue;
    }
    const started = Date.now();
    try {
      await withTimeout(t.fn(ctx), Math.min(t.timeoutMs ?? o.defaultTimeoutMs, left), t.name);
      o.counts.passed++;
      o.log(`ok - ${o.tag} ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      o.counts.failed++;
      o.log(`not ok - ${o.tag} ${t.name}: ${oneLine(e)}`);
      await o.onFail(t.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60));
    }
  }
}

/** Builds the demo into `dir` and serves it on 127.0.0.1 (logs the build time). */
export async function buildAndServeDemo(dir: string, log: (line: string) => void): Promise<Awaited<ReturnType<typeof serveDir>>> {
  const t0 = Date.now();
  await buildDemo(dir);
  log(`# demo built in ${Date.now() - t0} ms`);
  return serveDir(dir);
}

/** Builds the demo into `outDir` with Vite. */
export async function buildDemo(outDir: string): Promise<void> {
  const { build } = await import("vite");
  await build({
    configFile: join(REPO_ROOT, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, sourcemap: false, minify: false, reportCompressedSize: false },
  });
}

export async function runE2E(opts: E2EOptions): Promise<E2ESummary> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  const re = opts.filter ? new RegExp(opts.filter) : undefined;
  // In this order, on one page: the demo's tests, then streaming media through its Service Worker.
  const modules = [await import("./demo.e2e.js"), await import("./media.e2e.js"), await import("./widgets.e2e.js")];
  const tests = modules.flatMap((m) => m.tests);
  const counts: E2ESummary = { passed: 0, failed: 0, skipped: 0 };
  const dir = mkdtempSync(join(tmpdir(), "demo-e2e-"));
  mkdirSync(ARTIFACTS, { recursive: true });

  const { chromium } = await import("playwright-core");
  let server: Awaited<ReturnType<typeof serveDir>> | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  let nc: NatsConnection | undefined;
  try {
    server = await buildAndServeDemo(dir, log);
    nc = await connect({ servers: opts.url, name: "e2e-node-client" });
    const manager = objectStoreManager(nc);
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: !opts.headed,
      args: chromiumArgs(opts.headed),
      timeout: 30_000,
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    await context.addInitScript(SAVE_PICKER_INIT);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => log(`# page error: ${e.message}`));
    page.on("console", (m) => {
      // A refused WebSocket is what the connect-error test provokes; anything else is worth seeing.
      if (m.type() === "error" && !/^WebSocket connection to .* failed/.test(m.text())) log(`# console.error: ${m.text()}`);
    });
    const ctx: E2EContext = {
      page,
      origin: server.origin,
      wsUrl: opts.url,
      manager,
      nc,
      shot: async (name) => {
        // A modal dialog is shown as a person sees it (a full-page capture would cut its backdrop).
        const modal = (await page.locator("dialog[open]").count()) > 0;
        await page.screenshot({ path: join(ARTIFACTS, `e2e-${name}.png`), fullPage: !modal, timeout: 10_000 });
      },
      note: (line) => log(`# ${line}`),
    };

    await runTestList(tests, ctx, {
      re, deadline, tag: "[e2e]", log, counts, defaultTimeoutMs: 30_000,
      onFail: async (slug) => {
        await page.screenshot({ path: join(ARTIFACTS, `e2e-failed-${slug}.png`), fullPage: true, timeout: 10_000 }).catch(() => undefined);
        await closeDialogs(page).catch(() => undefined);
      },
    });
  } catch (e) {
    counts.failed++;
    log(`not ok - [e2e] (setup): ${oneLine(e)}`);
  } finally {
    await browser?.close().catch(() => undefined);
    for (const m of modules) if (nc) await m.cleanup({ manager: objectStoreManager(nc) }).catch(() => undefined);
    await nc?.close().catch(() => undefined);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return counts;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let filter = process.env.SUITE_FILTER;
  let headed = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--filter") filter = args[++i];
    else if (args[i] === "--headed") headed = true;
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const { envOrOwnServer } = await import("../harness/nats-server.js");
  const { url, stop } = await envOrOwnServer();
  try {
    const s = await runE2E({ url, filter, headed });
    console.log(`${s.passed} passed, ${s.failed} failed`);
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
