/**
 * The page (and Worker) script of bench/long-tasks.ts. In the page: fetches its run from `/run.json`,
 * generates one Blob, then puts and gets it (a) with the library on the page's own connection and (b)
 * through the Worker transfer mode, recording the page's long tasks (PerformanceObserver "longtask",
 * Chromium only) and the longest gap between turns of the page's event loop (a setTimeout(0) loop, every
 * engine) during each op. Every event is POSTed to `/ev` on the bench's HTTP server; no driver is attached.
 * Loaded as a Worker (this same script), it serves the Worker transfer mode.
 */
import { connect, type ConnectionOptions } from "nats.ws";
import { canTransferStreams, objectStoreManager, serveObjectStores, workerObjectStore, type NatsConnectionLike, type ObjectResult } from "../src/index.ts";

/** What the page fetches. */
export interface LongTaskRun {
  url: string;
  sizeMiB: number;
  rounds: number;
}

/** One measured op. */
export interface LongTaskOp {
  mode: "page" | "worker";
  op: "put" | "get";
  round: number;
  ms: number;
  /** 10^6 bytes/s. */
  mbps: number;
  /** Long tasks (> 50 ms) during the op; null where the engine has no longtask entries. */
  longTasks: { count: number; longestMs: number; totalMs: number } | null;
  /** The longest time between two turns of a setTimeout(0) loop, and the gaps over 50 ms (`at`: when each began, ms into the op). */
  gaps: { longestMs: number; over50: number; over50Ms: number; at: number[] };
}

/** What the page POSTs. */
export type LongTaskEvent =
  | { type: "begin"; mode: string; op: string }
  | { type: "op"; result: LongTaskOp }
  | { type: "info"; userAgent: string; longTaskSupported: boolean; transferableStreams: boolean }
  | { type: "done" }
  | { type: "error"; error: string };

const MiB = 1024 * 1024;
const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";

if (inWorker) serveObjectStores((o) => connect(o as ConnectionOptions) as unknown as Promise<NatsConnectionLike>);
else void main();

async function post(ev: LongTaskEvent): Promise<void> {
  const res = await fetch("/ev", { method: "POST", body: JSON.stringify(ev), headers: { "content-type": "application/json" } });
  if (!res.ok) throw new Error(`the bench host answered ${res.status}`);
}

/** A Blob of `size` pseudo-random bytes, made of 16 MiB parts (each filled afresh). */
function makeBlob(size: number): Blob {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let x = 0x9e3779b9;
  for (let off = 0; off < size; off += 16 * MiB) {
    const part = new Uint8Array(Math.min(16 * MiB, size - off));
    const words = new Uint32Array(part.buffer, 0, part.length >>> 2);
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x >>> 0;
    }
    parts.push(part);
  }
  return new Blob(parts);
}

/** Records the longest gaps between turns of the event loop until stopped. */
function gapMonitor(): () => LongTaskOp["gaps"] {
  const t0 = performance.now();
  let last = t0;
  let on = true;
  const g = { longestMs: 0, over50: 0, over50Ms: 0, at: [] as number[] };
  const tick = () => {
    const now = performance.now();
    const gap = now - last;
    last = now;
    if (gap > g.longestMs) g.longestMs = gap;
    if (gap > 50) {
      g.over50++;
      g.over50Ms += gap;
      g.at.push(Math.round(last - gap - t0));
    }
    if (on) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return () => {
    on = false;
    return g;
  };
}

const longTaskSupported = typeof PerformanceObserver !== "undefined" && PerformanceObserver.supportedEntryTypes?.includes("longtask");

/** Runs `fn`, recording the page's long tasks and event-loop gaps meanwhile. */
async function measure(mode: LongTaskOp["mode"], op: LongTaskOp["op"], round: number, bytes: number, fn: () => Promise<unknown>): Promise<LongTaskOp> {
  await post({ type: "begin", mode, op });
  const entries: PerformanceEntry[] = [];
  const observer = longTaskSupported ? new PerformanceObserver((list) => entries.push(...list.getEntries())) : undefined;
  observer?.observe({ type: "longtask" });
  const stopGaps = gapMonitor();
  const t0 = performance.now();
  await fn();
  const t1 = performance.now();
  await new Promise((r) => setTimeout(r, 200)); // long-task entries are delivered after their task
  const gaps = stopGaps();
  if (observer) {
    entries.push(...observer.takeRecords());
    observer.disconnect();
  }
  const inside = entries.filter((e) => e.startTime >= t0 - 1 && e.startTime <= t1);
  const longTasks = observer
    ? { count: inside.length, longestMs: Math.max(0, ...inside.map((e) => e.duration)), totalMs: inside.reduce((s, e) => s + e.duration, 0) }
    : null;
  const ms = t1 - t0;
  return { mode, op, round, ms, mbps: bytes / ms / 1000, longTasks, gaps };
}

async function drain(result: ObjectResult): Promise<void> {
  const reader = result.body.getReader();
  while (!(await reader.read()).done) { /* the bytes are dropped */ }
}

async function main(): Promise<void> {
  try {
    const run = (await (await fetch("/run.json")).json()) as LongTaskRun;
    const size = run.sizeMiB * MiB;
    const blob = makeBlob(size);
    const warm = makeBlob(8 * MiB);
    const nc = await connect({ servers: run.url });
    const bucket = `longtasks_${Math.random().toString(36).slice(2, 10)}`;
    const pageStore = await objectStoreManager(nc as unknown as NatsConnectionLike).createObjectStore({ bucket });
    const worker = new Worker(new URL(import.meta.url), { type: "module" });
    const workerStore = await workerObjectStore(worker, { bucket, connect: { servers: run.url } });
    await post({ type: "info", userAgent: navigator.userAgent, longTaskSupported, transferableStreams: canTransferStreams() });
    const stores = { page: pageStore, worker: workerStore };
    for (const [mode, store] of Object.entries(stores)) {
      await store.put({ name: `warm-${mode}` }, warm);
      await drain(await store.get(`warm-${mode}`));
    }
    for (let round = 0; round < run.rounds; round++) {
      const modes = (round % 2 === 0 ? ["page", "worker"] : ["worker", "page"]) as LongTaskOp["mode"][];
      for (const mode of modes) {
        const store = stores[mode];
        const name = `obj-${mode}-${round}`;
        await post({ type: "op", result: await measure(mode, "put", round, size, () => store.put({ name }, blob)) });
        await post({ type: "op", result: await measure(mode, "get", round, size, async () => drain(await store.get(name))) });
        await pageStore.delete(name);
      }
    }
    await objectStoreManager(nc as unknown as NatsConnectionLike).deleteObjectStore(bucket);
    await post({ type: "done" });
  } catch (e) {
    await post({ type: "error", error: String((e as Error)?.stack ?? e) }).catch(() => undefined);
  }
}
