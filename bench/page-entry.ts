/**
 * The benchmark's browser script (bundled for every engine by build.ts). In the page,
 * `globalThis.__bench.run(task, url, inWorker)` runs one task, in the page itself or in a dedicated module
 * Worker started from this same script. The hooks call `__benchBegin` / `__benchEnd`; a worker's hooks go
 * through the page.
 *
 * Driven (a driver holds the page): the driver exposed those two functions (Chromium: they take memory
 * readings over CDP around each op) and calls `__bench.run` itself.
 * Driver-free (`index.html?run=TOKEN`, a browser started with just that URL): the page fetches its task from
 * `/run/TOKEN.json`, runs it, and POSTs every event (`begin`, `end`, `done`, `error`, `log`) to
 * `/ev/TOKEN` on the bench's own HTTP server; nothing but the page touches its traffic.
 */
import { runTask, type Hooks, type OpResult, type Task } from "./lib/tasks.ts";

declare global {
  // eslint-disable-next-line no-var
  var __benchBegin: (op: string) => Promise<void>;
  // eslint-disable-next-line no-var
  var __benchEnd: (r: OpResult) => Promise<void>;
}

/** What a driver-free page POSTs to the bench's HTTP server (run.ts). */
export type PageEvent =
  | { type: "begin"; op: string }
  | { type: "end"; result: OpResult }
  | { type: "done" }
  | { type: "error"; error: string }
  | { type: "log"; line: string };
/** What a driver-free page fetches: its one task. */
export interface PageRun {
  task: Task;
  url: string;
  worker: boolean;
}

type ToWorker = { type: "run"; task: Task; url: string } | { type: "ack" };
type FromWorker = { type: "begin"; op: string } | { type: "end"; result: OpResult } | { type: "done" } | { type: "error"; error: string };

const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";

if (inWorker) {
  const post = (m: FromWorker) => (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(m);
  let ack: (() => void) | undefined;
  const call = (m: FromWorker) => new Promise<void>((r) => {
    ack = r;
    post(m);
  });
  const hooks: Hooks = { begin: (op) => call({ type: "begin", op }), end: (result) => call({ type: "end", result }) };
  globalThis.addEventListener("message", (ev: Event) => {
    const m = (ev as MessageEvent<ToWorker>).data;
    if (m.type === "ack") {
      const a = ack;
      ack = undefined;
      a?.();
    } else if (m.type === "run") {
      runTask(m.task, m.url, hooks).then(
        () => post({ type: "done" }),
        (e: Error) => post({ type: "error", error: String(e?.stack ?? e) }),
      );
    }
  });
} else {
  const bench = {
    async run(task: Task, url: string, worker = false): Promise<void> {
      if (!worker) {
        await runTask(task, url, { begin: (op) => globalThis.__benchBegin(op), end: (r) => globalThis.__benchEnd(r) });
        return;
      }
      const w = new Worker(new URL("./bench.js", import.meta.url), { type: "module" });
      try {
        await new Promise<void>((resolve, reject) => {
          w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
          w.onmessage = async (ev: MessageEvent<FromWorker>) => {
            const m = ev.data;
            if (m.type === "begin") {
              await globalThis.__benchBegin(m.op);
              w.postMessage({ type: "ack" } satisfies ToWorker);
            } else if (m.type === "end") {
              m.result.op = m.result.op;
              await globalThis.__benchEnd(m.result);
              w.postMessage({ type: "ack" } satisfies ToWorker);
            } else if (m.type === "done") resolve();
            else reject(new Error(m.error));
          };
          w.postMessage({ type: "run", task, url } satisfies ToWorker);
        });
      } finally {
        w.terminate();
      }
    },
  };
  (globalThis as unknown as { __bench: unknown }).__bench = bench;
  const token = new URLSearchParams(location.search).get("run");
  if (token) void runDriverFree(token, bench.run);
}

/** The driver-free page: its task from the bench's HTTP server, every event posted back there. */
async function runDriverFree(token: string, run: (task: Task, url: string, worker: boolean) => Promise<void>): Promise<void> {
  const post = async (ev: PageEvent) => {
    const res = await fetch(`/ev/${token}`, { method: "POST", body: JSON.stringify(ev), headers: { "content-type": "application/json" } });
    if (!res.ok) throw new Error(`the bench host answered ${res.status} to ${ev.type}`);
  };
  addEventListener("error", (ev) => void post({ type: "log", line: `page error: ${ev.message}` }).catch(() => undefined));
  addEventListener("unhandledrejection", (ev) => void post({ type: "log", line: `unhandled rejection: ${String(ev.reason)}` }).catch(() => undefined));
  globalThis.__benchBegin = async (op) => {
    // Chromium started with --js-flags=--expose-gc: collect before the op, as the driven runs do over CDP
    (globalThis as { gc?: () => void }).gc?.();
    await post({ type: "begin", op });
  };
  globalThis.__benchEnd = (result) => post({ type: "end", result });
  try {
    const { task, url, worker } = (await (await fetch(`/run/${token}.json`)).json()) as PageRun;
    document.title = `bench ${task.kind}`;
    await run(task, url, worker);
    await post({ type: "done" });
  } catch (e) {
    await post({ type: "error", error: String((e as Error)?.stack ?? e) }).catch(() => undefined);
  }
}
