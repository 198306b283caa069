/**
 * The benchmark's browser script (bundled for Chromium by build.ts). In the page,
 * `globalThis.__bench.run(task, url, inWorker)` runs one task, in the page itself or in a dedicated module
 * Worker started from this same script. The hooks call the functions the host exposed (`__benchBegin`,
 * `__benchEnd`), which take memory readings over CDP around each op; a worker's hooks go through the page.
 */
import { runTask, type Hooks, type OpResult, type Task } from "./lib/tasks.ts";

declare global {
  // eslint-disable-next-line no-var
  var __benchBegin: (op: string) => Promise<void>;
  // eslint-disable-next-line no-var
  var __benchEnd: (r: OpResult) => Promise<void>;
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
  (globalThis as unknown as { __bench: unknown }).__bench = {
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
}
