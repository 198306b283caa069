/**
 * The demo's main flows and streaming media through its Service Worker in any browser engine: the
 * tests of engine-flows.e2e.ts, then engine-media.e2e.ts, in order on one page, driven through
 * test/harness/engines.ts alone (Firefox ESR over WebDriver BiDi, WebKitGTK's MiniBrowser through
 * WebKitWebDriver; Chromium works too). demo.e2e.ts and media.e2e.ts stay the Chromium tests of
 * everything else.
 *
 * The demo is built with Vite and served as run-e2e.ts does; a Node client (the library over nats.ws)
 * makes changes from elsewhere and checks the server's side. Lines `ok - [e2e firefox] name (ms)`,
 * `not ok - [e2e firefox] name: message`; screenshots go to
 * `test-artifacts/e2e-<engine>-*.png` (`e2e-<engine>-failed-*.png` for a failed test).
 *
 * CLI: `node --experimental-websocket --import tsx test/e2e/run-engine-e2e.ts --engine firefox|webkit|chromium
 * [--filter REGEX] [--headed]` (env NATS_WS_URL / NATS_URL, else it starts its own nats-server).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager } from "../../src/index.js";
import { ENGINES, launchPage, type Engine, type EnginePage } from "../harness/engines.js";
import { serveDir } from "../harness/static-server.js";
import { DemoPage } from "./engine-page.js";
import { ARTIFACTS, buildAndServeDemo, oneLine, runTestList, type E2EContext, type E2EOptions, type E2ESummary, type E2ETest } from "./run-e2e.js";

/**
 * Firefox stops a Service Worker that has no event in flight after `idle_timeout` (30 s by default),
 * and one whose events were extended with `waitUntil` after `idle_extended_timeout` (5 min): 1 s here,
 * so the media tests see in seconds whether a long response outlives the worker's idle time.
 */
export const FIREFOX_SW_PREFS = { "dom.serviceWorkers.idle_timeout": 1_000, "dom.serviceWorkers.idle_extended_timeout": 300_000 };

/** What a test gets: run-e2e.ts' context with the engine's page, and the demo driven through it. */
export interface EngineE2EContext extends Omit<E2EContext, "page" | "shot"> {
  engine: Engine;
  page: EnginePage;
  demo: DemoPage;
  /** Ends every bucket name of this run (the runner deletes the buckets afterwards). */
  runId: string;
  /** Saves a screenshot as test-artifacts/e2e-<engine>-NAME.png. */
  shot(name: string): Promise<void>;
}

export interface EngineE2ETest extends Omit<E2ETest, "fn"> {
  fn(ctx: EngineE2EContext): Promise<void>;
}

/** run-e2e.ts' options and the engine; the time limit of the whole run defaults to 8 min. */
export interface EngineE2EOptions extends Omit<E2EOptions, "headed"> {
  engine: Engine;
  headed?: boolean | undefined;
}

/** Runs the demo flows and the media tests in one engine; `{ passed, failed, skipped }` like runE2E. */
export async function runEngineE2E(opts: EngineE2EOptions): Promise<E2ESummary> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const { engine } = opts;
  const deadline = Date.now() + (opts.timeoutMs ?? 8 * 60_000);
  const re = opts.filter ? new RegExp(opts.filter) : undefined;
  const tag = `[e2e ${engine}]`;
  const { flowTests } = await import("./engine-flows.e2e.js");
  const { mediaTests } = await import("./engine-media.e2e.js");
  const tests = [...flowTests(), ...mediaTests()];
  const counts: E2ESummary = { passed: 0, failed: 0, skipped: 0 };
  const runId = `${engine}_${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), `demo-e2e-${engine}-`));
  mkdirSync(ARTIFACTS, { recursive: true });
  const shotPath = (name: string) => join(ARTIFACTS, `e2e-${engine}-${name}.png`);

  let server: Awaited<ReturnType<typeof serveDir>> | undefined;
  let page: EnginePage | undefined;
  let nc: NatsConnection | undefined;
  try {
    server = await buildAndServeDemo(dir, log);
    nc = await connect({ servers: opts.url, name: `e2e-${engine}-node-client` });
    const p = await launchPage(engine, { headed: opts.headed, log: (line) => log(`# ${tag} ${line}`), firefoxPrefs: FIREFOX_SW_PREFS });
    page = p;
    log(`# ${engine}: ${p.version}`);
    const demo = new DemoPage(p);
    const ctx: EngineE2EContext = {
      engine, page: p, demo, origin: server.origin, wsUrl: opts.url, manager: objectStoreManager(nc), nc, runId,
      shot: (name) => p.screenshot(shotPath(name)),
      note: (line) => log(`# ${line}`),
    };

    await runTestList(tests, ctx, {
      re, deadline, tag, log, counts, defaultTimeoutMs: 60_000,
      onFail: async (slug) => {
        await p.screenshot(shotPath(`failed-${slug}`)).catch(() => undefined);
        await demo.closeDialogs().catch(() => undefined);
      },
    });
  } catch (e) {
    counts.failed++;
    log(`not ok - ${tag} (setup): ${oneLine(e)}`);
  } finally {
    await page?.close().catch(() => undefined);
    if (nc) {
      const manager = objectStoreManager(nc);
      for (const b of await manager.names().catch(() => [])) {
        if (b.endsWith(`_${runId}`)) await manager.deleteObjectStore(b).catch(() => undefined);
      }
    }
    await nc?.close().catch(() => undefined);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return counts;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { engine: { type: "string" }, filter: { type: "string" }, headed: { type: "boolean" } } });
  const engine = values.engine as Engine;
  if (!ENGINES.includes(engine)) throw new Error(`--engine: one of ${ENGINES.join(", ")}`);
  const { envOrOwnServer } = await import("../harness/nats-server.js");
  const server = await envOrOwnServer();
  const t0 = Date.now();
  const s = await runEngineE2E({ url: server.url, engine, filter: values.filter ?? process.env.SUITE_FILTER, headed: values.headed }).finally(server.stop);
  console.log(`# e2e (${engine}): ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exitCode = s.failed > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
