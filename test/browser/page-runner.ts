/**
 * Runs the portable suites inside Chromium: in the page (runtime "chromium") or in a dedicated
 * module Web Worker (runtime "worker"). Bundled by test/browser/run-browser.ts, whose generated
 * entry calls {@link start} with one lazy loader per suite file (each suite is its own chunk, so a
 * suite that throws while loading fails alone).
 *
 * The same entry script is loaded by the page and, as `new Worker("entry.js", {type: "module"})`, by
 * the worker. The page exposes `globalThis.__suiteRunner.{runPage,runWorker}(url)`; each test result
 * is passed to `globalThis.__report(result)` when Playwright has exposed it, shown in the page (for
 * the screenshot), and all results are returned at the end.
 */
import { collectTests, errorMessage, runTest, type LoadedSuite } from "../harness/context.js";
import type { Runtime, ServerTarget, SuiteModule, Transport } from "../harness/suite.js";

/** One suite file: its name and a loader (a dynamic import). */
export type SuiteLoader = readonly [name: string, load: () => Promise<unknown>];

/** Outcome of one test. */
export interface BrowserTestResult {
  runtime: Runtime;
  /** The client the test's connections used. */
  transport: Transport;
  suite: string;
  name: string;
  status: "pass" | "fail" | "skip";
  error?: string;
  ms: number;
}

type WorkerMessage =
  | { type: "result"; result: BrowserTestResult }
  | { type: "done" }
  | { type: "crash"; error: string };

async function loadSuites(loaders: readonly SuiteLoader[]): Promise<LoadedSuite[]> {
  const out: LoadedSuite[] = [];
  for (const [name, load] of loaders) {
    try {
      const mod = (await load()) as { default: SuiteModule };
      out.push({ name, module: mod.default });
    } catch (error) {
      out.push({ name, error });
    }
  }
  return out;
}

/** Runs every test sequentially; `onResult` is called as each one ends. */
export async function runAll(
  loaders: readonly SuiteLoader[],
  runtime: Runtime,
  target: ServerTarget,
  onResult: (r: BrowserTestResult) => unknown,
  filter?: string,
): Promise<BrowserTestResult[]> {
  const re = filter ? new RegExp(filter) : undefined;
  const results: BrowserTestResult[] = [];
  for (const tc of collectTests(await loadSuites(loaders), runtime)) {
    if (re && !re.test(`${tc.suite} > ${tc.name}`)) continue;
    const base = { runtime, transport: target.transport, suite: tc.suite, name: tc.name };
    let r: BrowserTestResult;
    if (tc.skip) {
      r = { ...base, status: "skip", ms: 0 };
    } else {
      const t0 = performance.now();
      try {
        await runTest(tc, target, runtime);
        r = { ...base, status: "pass", ms: Math.round(performance.now() - t0) };
      } catch (e) {
        r = { ...base, status: "fail", error: errorMessage(e), ms: Math.round(performance.now() - t0) };
      }
    }
    results.push(r);
    await onResult(r);
  }
  return results;
}

const isWorker =
  typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined" &&
  typeof (globalThis as { importScripts?: unknown }).importScripts === "function";

/** Entry point: wires the runner into the page or the worker this script is running in. */
export function start(loaders: readonly SuiteLoader[], entryUrl = "entry.js"): void {
  if (isWorker) {
    const post = (m: WorkerMessage) => (globalThis as unknown as { postMessage(m: WorkerMessage): void }).postMessage(m);
    globalThis.addEventListener("message", (ev: Event) => {
      const { url, filter, transport } = (ev as MessageEvent<{ url: string; filter?: string; transport?: Transport }>).data;
      runAll(loaders, "worker", { ws: url, transport: transport ?? "nats.ws" }, (result) => post({ type: "result", result }), filter).then(
        () => post({ type: "done" }),
        (e) => post({ type: "crash", error: errorMessage(e) }),
      );
    });
    return;
  }

  /** Shows a result and hands it to Playwright; resolves once Playwright has received it. */
  const report = (r: BrowserTestResult): Promise<unknown> => {
    show(r);
    const fn = (globalThis as { __report?: (r: BrowserTestResult) => unknown }).__report;
    return fn ? Promise.resolve(fn(r)).catch(() => undefined) : Promise.resolve();
  };

  const runPage = (url: string, filter?: string, transport: Transport = "nats.ws") =>
    runAll(loaders, "chromium", { ws: url, transport }, report, filter);

  const runWorker = (url: string, filter?: string, transport: Transport = "nats.ws") =>
    new Promise<BrowserTestResult[]>((resolve, reject) => {
      const results: BrowserTestResult[] = [];
      const reported: Promise<unknown>[] = [];
      const worker = new Worker(new URL(entryUrl, location.href), { type: "module", name: "suite-worker" });
      const finish = (err?: string) => {
        worker.terminate();
        void Promise.all(reported).then(() => (err ? reject(new Error(err)) : resolve(results)));
      };
      worker.onmessage = (ev: MessageEvent<WorkerMessage>) => {
        const m = ev.data;
        if (m.type === "result") {
          results.push(m.result);
          reported.push(report(m.result));
        } else if (m.type === "done") finish();
        else finish(`worker runner crashed: ${m.error}`);
      };
      worker.onerror = (ev) => {
        ev.preventDefault();
        finish(`worker error: ${ev.message || "failed to load the worker script"}`);
      };
      worker.postMessage({ url, filter, transport });
    });

  (globalThis as { __suiteRunner?: unknown }).__suiteRunner = { runPage, runWorker };
  const heading = document.querySelector("h3");
  if (heading) heading.textContent += ` (${navigator.userAgent})`; // which engine, in the screenshot
  document.title = "suite runner ready";
}

function show(r: BrowserTestResult): void {
  const list = document.getElementById("results");
  if (!list) return;
  const li = document.createElement("li");
  li.className = r.status;
  li.textContent = `${r.status === "pass" ? "ok" : r.status === "skip" ? "skip" : "not ok"} - [${r.runtime}] ${r.suite} > ${r.name}${r.error ? `: ${r.error}` : ""} (${r.ms} ms)`;
  list.appendChild(li);
}
