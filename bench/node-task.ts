/**
 * A Node child process that runs one benchmark task (bundled to bench/.build/node-task.mjs by run.ts).
 * argv[2]: JSON {task, url, websocket: "undici" | "ws"}. Results go to the parent over IPC, one message
 * per op, with memory: RSS growth (peak VmHWM after resetting it through /proc/self/clear_refs, and a
 * 20 ms sampler as a cross-check) over the RSS measured after a full GC right before the op.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { runTask, type OpResult, type Task } from "./lib/tasks.ts";

const arg = JSON.parse(process.argv[2]!) as { task: Task; url: string; websocket: "undici" | "ws" | "ws-nomask" };
const send = (m: unknown) => process.send!(m);

function statusKb(field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

let baseline = { rss: 0, heap: 0, external: 0 };
let peak = { rss: 0, heap: 0, external: 0 };
let sampler: NodeJS.Timeout | undefined;
let hwmReset = false;
let active = false;
const sample = () => {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heap = Math.max(peak.heap, m.heapUsed);
  peak.external = Math.max(peak.external, m.external + m.arrayBuffers);
};

async function main() {
  if (arg.websocket === "ws") {
    const { WebSocket } = await import("ws");
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  } else if (arg.websocket === "ws-nomask") {
    // nats-server accepts unmasked client frames when the handshake asks for it (header Nats-No-Masking:
    // true); the ws package can then skip masking every byte it sends. Node/Deno only: browsers always mask.
    const { WebSocket } = await import("ws");
    class NoMaskWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { "Nats-No-Masking": "true" } });
      }
      override send(data: unknown, opts?: unknown, cb?: unknown): void {
        if (typeof opts === "function") (cb = opts), (opts = undefined);
        super.send(data as Buffer, { ...(opts as object), mask: false }, cb as (err?: Error) => void);
      }
    }
    (globalThis as { WebSocket?: unknown }).WebSocket = NoMaskWebSocket;
  } else if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
    throw new Error("no global WebSocket: run with --experimental-websocket");
  }
  await runTask(arg.task, arg.url, {
    async begin(op) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 20));
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      baseline = { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
      peak = { ...baseline };
      try {
        writeFileSync("/proc/self/clear_refs", "5");
        hwmReset = true;
      } catch {
        hwmReset = false;
      }
      sampler = setInterval(sample, 20);
      active = true;
      send({ type: "begin", op });
    },
    async end(r: OpResult) {
      if (!active) {
        // an op that was never begun (not run because an earlier one failed): no memory figures
        send({ type: "result", result: r });
        return;
      }
      active = false;
      if (sampler) clearInterval(sampler);
      sampler = undefined;
      sample();
      const hwm = hwmReset ? statusKb("VmHWM") : undefined;
      const peakRss = Math.max(peak.rss, hwm ?? 0);
      r.mem = {
        rssBase: baseline.rss,
        rssPeak: peakRss,
        rssGrowth: peakRss - baseline.rss,
        heapGrowth: peak.heap - baseline.heap,
        externalGrowth: peak.external - baseline.external,
      };
      send({ type: "result", result: r });
    },
  });
}

main().then(
  () => process.send!({ type: "done" }, () => process.exit(0)),
  (e) => process.send!({ type: "error", error: String((e as Error)?.stack ?? e) }, () => process.exit(1)),
);
