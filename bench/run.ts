/**
 * The object store benchmark: this library vs the nats.ws bundled object store vs @nats-io/obj, put and
 * get over WebSocket against one local nats-server (file storage), in Node and in headless Chromium,
 * interleaved (the client order rotates every round), plus ceilings (raw JetStream publish and consume,
 * SHA-256) and memory. Node also runs the TCP rows: ours and @nats-io/obj over `@nats-io/transport-node`,
 * nats.go (bench/go) where it builds. See bench/README.md.
 *
 *   node --import tsx bench/run.ts            full run (16 MiB, 256 MiB x3 rounds; 1 GiB x1)  -> results/latest.*
 *   node --import tsx bench/run.ts --quick    16 MiB, 1 round                                   -> results/quick.*
 *   node --import tsx bench/run.ts --study    chunk size / put window / get batch study           -> results/study.*
 * Options: --runtimes node,chromium  --sizes 16,256  --rounds N  --no-extras
 *          --server-version 2.9.10|2.12.x|newest (default: env NATS_SERVER_VERSION, else the newest release)
 *          --no-fast-batch (leave out the fast-batch rows, which run on 2.14+ only)
 *
 * Every Node task runs in its own child process (bench/node-task.ts) and every Chromium task in a fresh
 * page, so memory figures are per task and a stuck client can be killed: each op has a time limit
 * (15 s + its size at 10 MB/s); past it the process (or page) is killed and the op recorded as failed.
 */
import { fork, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, totalmem } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { buildBundles, BENCH_DIR } from "./build.ts";
import type { OpResult, Task, ObjstoreTask } from "./lib/tasks.ts";
import type { ClientName } from "./lib/clients.ts";
import { cpuSnap, foreignCores, waitQuiet, type CpuSnap } from "./lib/cpu.ts";
import type { HasherName } from "./lib/hashers.ts";
import { startNatsServer, type NatsServer } from "../test/harness/nats-server.ts";
import { connect as tcpConnect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { copyFileSync } from "node:fs";
import { selectServerVersion } from "./lib/server-version.ts";
import { buildGoBench, type GoBench } from "./lib/go-bench.ts";
import { spawn } from "node:child_process";

const MiB = 1024 * 1024;
const KiB = 1024;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

type Runtime = "node" | "chromium" | "worker";
const RT_TITLE: Record<Runtime, string> = { node: "Node", chromium: "Chromium (headless), in the page", worker: "Chromium (headless), in a dedicated Worker" };
type WsImpl = "undici" | "ws" | "ws-nomask";

/** One recorded op. */
export interface Row extends OpResult {
  runtime: Runtime;
  ws?: WsImpl;
  group: "objstore" | "ceiling" | "hash" | "study";
  label: string;
  client?: ClientName;
  size: number;
  round: number;
}

interface Step {
  runtime: Runtime;
  ws: WsImpl;
  group: Row["group"];
  label: string;
  round: number;
  size: number;
  task: Task;
  /** Ops expected (to record the ones a killed task never ran). */
  ops: string[];
}

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
/** The server the run starts (--server-version, env NATS_SERVER_VERSION, else the newest release). */
const server0 = selectServerVersion(argv);
/** Fast-batch rows (ours [fast batch], obj [fast ingest]) where the server takes fast batches (2.14+). */
const fastBatch = !flag("--no-fast-batch") && /^(\d+)\.(\d+)/.test(server0.version) &&
  (Number(server0.version.split(".")[0]) > 2 || Number(server0.version.split(".")[1]) >= 14);
const mode: "full" | "quick" | "study" = flag("--study") ? "study" : flag("--quick") ? "quick" : "full";
const runtimes = (opt("--runtimes") ?? (mode === "quick" ? "node,chromium" : "node,chromium,worker")).split(",") as Runtime[];
const sizes = (opt("--sizes") ?? (mode === "quick" ? "16" : "16,256,1024")).split(",").map((s) => Number(s) * MiB);
const roundsFor = (size: number, runtime?: Runtime) =>
  Number(opt("--rounds") ?? (mode === "quick" ? 1 : size >= 1024 * MiB ? 1 : runtime === "worker" ? 2 : 3));
const extras = !flag("--no-extras");
const globalLimitMs = Number(opt("--limit-min") ?? (mode === "quick" ? 4 : mode === "study" ? 20 : 25)) * 60_000;
const OUT_DIR = join(BENCH_DIR, "results");
/** Before each task, wait up to quietWaitMs for other processes to use less than quietCores cores. */
const quietCores = Number(opt("--quiet-cores") ?? 0.3);
const quietWaitMs = Number(opt("--quiet-wait-s") ?? (mode === "quick" ? 2 : 5)) * 1000;
/** An op during which others used more than busyCores cores is run again, at most busyRetries times. */
const busyCores = Number(opt("--busy-cores") ?? 0.5);
const busyRetries = Number(opt("--busy-retries") ?? (mode === "quick" ? 0 : 1));
const outName = mode === "full" ? "latest" : mode;

const opLimitMs = (bytes: number) => 15_000 + (bytes / 10e6) * 1000;
let bucketSeq = 0;
const bucketName = (label: string) => `bench_${label.replace(/[^\w-]/g, "_")}_${process.pid}_${++bucketSeq}`;

// ------------------------------------------------------------------ plan

function objstoreStep(runtime: Runtime, ws: WsImpl, client: ClientName, label: string, size: number, round: number,
  extra: Partial<ObjstoreTask> = {}): Step {
  const ops = extra.ops ?? ["put", "get"];
  return {
    runtime, ws, group: "objstore", label, round, size, ops,
    task: { kind: "objstore", client, label, size, bucket: bucketName(label), ops, ...extra },
  };
}

function mainPlan(go: GoBench | undefined): Step[] {
  const steps: Step[] = [];
  const quick = mode === "quick";
  const extraSize = quick ? 16 * MiB : 256 * MiB;
  for (const runtime of runtimes) {
    const ws: WsImpl = "undici";
    const hashSize = quick ? 32 * MiB : 256 * MiB;
    const hashers: HasherName[] = runtime === "node"
      ? ["default", "node", "hashwasm", "noble", "jssha256"]
      : ["default", "hashwasm", "noble", "jssha256"];
    steps.push({ runtime, ws, group: "hash", label: "sha256", round: 0, size: hashSize, ops: [],
      task: { kind: "hash", size: hashSize, piece: 128 * KiB, hashers } });
    const ceilSize = quick ? 32 * MiB : 256 * MiB;
    steps.push({ runtime, ws, group: "ceiling", label: "ceiling", round: 0, size: ceilSize, ops: [],
      task: { kind: "ceiling", size: ceilSize, msgSize: 128 * KiB, windows: quick ? [32] : [8, 32, 128], pullBatches: quick ? [32] : [16, 64] } });
    // the Worker runtime: the main comparison at the 256 MiB size only (it answers "does a Worker help?")
    const rtSizes = runtime === "worker" ? sizes.filter((s) => s === extraSize) : sizes;
    for (const size of rtSizes) {
      const rounds = roundsFor(size, runtime);
      const withExtras = extras && size === extraSize;
      for (let round = 0; round < rounds; round++) {
        const group: Step[] = (["ours", "natsws", "obj"] as ClientName[]).map((c) => objstoreStep(runtime, ws, c, c, size, round));
        if (runtime === "node") {
          // the v3 clients beside nats.ws, over WebSocket and over TCP; nats.go over TCP where it built
          group.push(objstoreStep(runtime, ws, "ours", "ours [v3 ws]", size, round, { connection: "v3 ws" }));
          group.push(objstoreStep(runtime, ws, "ours", "ours [v3 tcp]", size, round, { connection: "v3 tcp" }));
          group.push(objstoreStep(runtime, ws, "obj", "obj [tcp]", size, round, { connection: "v3 tcp" }));
          if (go && "bin" in go) group.push(objstoreStep(runtime, ws, "natsgo", "nats.go [tcp]", size, round));
        }
        if (fastBatch) {
          // fast-batch buckets (ADR-50, nats-server 2.14+): ours with allowBatched, obj with its fast-ingest opt-in
          group.push(objstoreStep(runtime, ws, "ours", "ours [fast batch]", size, round, { allowBatched: true }));
          group.push(objstoreStep(runtime, ws, "obj", "obj [fast ingest]", size, round, { allowBatched: true }));
        }
        if (withExtras && quick) {
          group.push(objstoreStep(runtime, ws, "ours", "ours [no-op put hash]", size, round, { ops: ["put"], putHasher: "noop" }));
          group.push(objstoreStep(runtime, ws, "ours", "ours [hash-wasm]", size, round, { putHasher: "hashwasm", getHasher: "hashwasm" }));
          group.push(objstoreStep(runtime, ws, "ours", "ours [proto put]", size, round, { proto: { msgIds: true } }));
        } else if (withExtras && runtime === "worker") {
          group.push(objstoreStep(runtime, ws, "ours", "ours [hash-wasm]", size, round, { putHasher: "hashwasm", getHasher: "hashwasm" }));
        } else if (withExtras) {
          // hashing overlap: the same put with no hashing at all, and with the other hashers
          group.push(objstoreStep(runtime, ws, "ours", "ours [no-op put hash]", size, round, { ops: ["put"], putHasher: "noop" }));
          group.push(objstoreStep(runtime, ws, "ours", "ours [hash-wasm]", size, round, { putHasher: "hashwasm", getHasher: "hashwasm" }));
          // the prototype put data path (bench/lib/proto-put.ts)
          group.push(objstoreStep(runtime, ws, "ours", "ours [proto put]", size, round, { proto: { msgIds: true } }));
          if (runtime === "node") {
            group.push(objstoreStep(runtime, ws, "ours", "ours [noble]", size, round, { putHasher: "noble", getHasher: "noble" }));
            group.push(objstoreStep(runtime, ws, "ours", "ours [proto put, no msg-id]", size, round, { ops: ["put"], proto: { msgIds: false } }));
            // WebSocket implementations: Node's built-in (undici, the default here) vs the ws package, and ws
            // with unmasked client frames (nats-server's Nats-No-Masking handshake header)
            for (const c of ["ours", "natsws", "obj"] as ClientName[]) group.push(objstoreStep(runtime, "ws", c, `${c} [ws pkg]`, size, round));
            group.push(objstoreStep(runtime, "ws-nomask", "ours", "ours [ws pkg, no masking]", size, round));
            group.push(objstoreStep(runtime, "ws-nomask", "ours", "ours [ws no-mask + proto put]", size, round, { proto: { msgIds: true } }));
          } else {
            group.push(objstoreStep(runtime, ws, "ours", "ours [proto put + hash-wasm]", size, round, { proto: { msgIds: true }, putHasher: "hashwasm", getHasher: "hashwasm" }));
          }
        }
        // A B C A B C ...: rotate the order every round so no client always runs first or last
        const k = round % group.length;
        steps.push(...group.slice(k), ...group.slice(0, k));
      }
    }
  }
  return steps;
}

function studyPlan(): Step[] {
  const steps: Step[] = [];
  const chunkSizes = [64 * KiB, 128 * KiB, 256 * KiB, 512 * KiB, 1023 * KiB];
  const inflightBytes = [1 * MiB, 2 * MiB, 4 * MiB, 8 * MiB, 16 * MiB];
  const batchBytes = [512 * KiB, 1 * MiB, 2 * MiB, 4 * MiB, 8 * MiB];
  for (const runtime of runtimes) {
    const size = Number(opt("--study-mib") ?? (runtime === "node" ? 256 : 128)) * MiB;
    const rounds = Number(opt("--rounds") ?? 2);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? chunkSizes : [...chunkSizes].reverse();
      for (const chunkSize of order) {
        const windows = [...new Set(inflightBytes.map((b) => Math.max(1, Math.round(b / chunkSize))))];
        const batches = [...new Set(batchBytes.map((b) => Math.max(1, Math.round(b / chunkSize))))];
        const label = `study c${chunkSize / KiB}K`;
        steps.push({ runtime, ws: "undici", group: "study", label, round, size, ops: [],
          task: { kind: "study", bucket: bucketName(label), size, chunkSize, windows, batches, rounds: 1,
            // in Chromium the default hasher (noble, ~85 MB/s) would hide every transport effect: use hash-wasm there
            hasher: runtime === "node" ? "default" : "hashwasm", proto: runtime === "node" } });
      }
    }
  }
  return steps;
}

// ------------------------------------------------------------------ node runner

const statusKb = (pid: number, field: string): number | undefined => {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
};

async function runNodeStep(step: Step, nodeTask: string, url: string, report: (r: OpResult) => void, deadline: number): Promise<void> {
  const execArgv = ["--expose-gc", "--experimental-websocket", "--no-warnings"];
  const child: ChildProcess = fork(nodeTask, [JSON.stringify({ task: step.task, url, websocket: step.ws })], {
    execArgv, stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let current: { op: string; start: number; limit: number; peakRss: number; baseRss: number; cpu: CpuSnap } | undefined;
  const done = new Set<string>();
  let finished = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.on("message", (m: { type: string; op?: string; result?: OpResult; error?: string }) => {
    if (m.type === "begin") {
      const size = step.size;
      const rss = statusKb(child.pid!, "VmRSS") ?? 0;
      current = { op: m.op!, start: Date.now(), limit: step.group === "objstore" ? opLimitMs(size) : opLimitMs(size) * 2, peakRss: rss, baseRss: rss, cpu: cpuSnap() };
    } else if (m.type === "result") {
      if (current) m.result!.foreignCores = Number(foreignCores(current.cpu, cpuSnap()).toFixed(2));
      current = undefined;
      done.add(m.result!.op);
      report(m.result!);
    } else if (m.type === "done") {
      finished = true;
    } else if (m.type === "error") {
      finished = true;
      report({ op: current?.op ?? "(task)", ok: false, bytes: 0, ms: 0, mbps: 0, error: `task crashed: ${m.error!.split("\n")[0]}` });
    }
  });
  let killedFor: string | undefined;
  const timer = setInterval(() => {
    if (current) {
      const rss = statusKb(child.pid!, "VmRSS");
      if (rss) current.peakRss = Math.max(current.peakRss, rss);
      if (Date.now() - current.start > current.limit) killedFor = `killed after ${Math.round(current.limit / 1000)} s (time limit)`;
    }
    if (Date.now() > deadline) killedFor ??= "killed: global time limit of the run";
    if (killedFor && child.exitCode === null) child.kill("SIGKILL");
  }, 100);
  await exited;
  clearInterval(timer);
  if (current) {
    report({
      op: current.op, ok: false, bytes: 0, ms: Date.now() - current.start, mbps: 0,
      error: killedFor ?? `process exited (${child.exitCode ?? child.signalCode}): ${stderr.trim().split("\n").slice(-1)[0] ?? ""}`,
      mem: { rssBase: current.baseRss, rssPeak: current.peakRss, rssGrowth: current.peakRss - current.baseRss },
    });
    done.add(current.op);
  } else if (!finished) {
    report({ op: "(task)", ok: false, bytes: 0, ms: 0, mbps: 0, error: killedFor ?? `process exited early: ${stderr.trim().split("\n").slice(-2).join(" | ")}` });
  }
  for (const op of step.ops) if (!done.has(op)) report({ op, ok: false, bytes: 0, ms: 0, mbps: 0, error: "not run: an earlier op was killed" });
}

/** Runs bench/go (nats.go) for an objstore step: one JSON line per op on its stdout (go/main.go). */
async function runGoStep(step: Step, bin: string, natsUrl: string, report: (r: OpResult) => void, deadline: number): Promise<void> {
  const task = step.task as ObjstoreTask;
  const child = spawn(bin, [natsUrl, task.bucket, String(step.size), step.ops.join(",")], { stdio: ["ignore", "pipe", "pipe"] });
  const done = new Set<string>();
  let stderr = "";
  let pending = "";
  let cpu = cpuSnap();
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout.on("data", (d: Buffer) => {
    const lines = (pending + d.toString()).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines.filter((l) => l.trim())) {
      const r = JSON.parse(line) as OpResult;
      r.foreignCores = Number(foreignCores(cpu, cpuSnap()).toFixed(2));
      cpu = cpuSnap();
      done.add(r.op);
      report(r);
    }
  });
  // the warm-up and bucket set-up, then each op's own limit
  const limit = Date.now() + 30_000 + step.ops.length * opLimitMs(step.size);
  let killedFor: string | undefined;
  const timer = setInterval(() => {
    if (Date.now() > Math.min(limit, deadline)) {
      killedFor = Date.now() > deadline ? "killed: global time limit of the run" : "killed (time limit)";
      child.kill("SIGKILL");
    }
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
  clearInterval(timer);
  const why = killedFor ?? `nats.go exited (${code}): ${stderr.trim().split("\n").slice(-1)[0] ?? ""}`;
  for (const op of step.ops) if (!done.has(op)) report({ op, ok: false, bytes: 0, ms: 0, mbps: 0, error: why });
}

// ------------------------------------------------------------------ chromium runner

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

function serve(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(dir, path === "/" ? "index.html" : path));
    if (!file.startsWith(dir + sep)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

/** Pids of the renderer processes of the Chromium we launched (descendants of this process). */
function rendererPids(): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(d), ppid);
    } catch {
      /* gone */
    }
  }
  const isOurs = (pid: number) => {
    for (let p = parent.get(pid), n = 0; p && n < 10; p = parent.get(p), n++) if (p === process.pid) return true;
    return false;
  };
  const out: number[] = [];
  for (const pid of parent.keys()) {
    if (!isOurs(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--type=renderer")) out.push(pid);
    } catch {
      /* gone */
    }
  }
  return out;
}
const rendererRss = (pids: number[]) => pids.reduce((s, p) => s + (statusKb(p, "VmRSS") ?? 0), 0);

type Browser = Awaited<ReturnType<typeof import("playwright-core")["chromium"]["launch"]>>;

async function runChromiumStep(step: Step, browser: Browser, origin: string, url: string, report: (r: OpResult) => void, deadline: number): Promise<void> {
  // --user-agent X: make the WebSocket handshake not look like a browser's (nats-server cuts its frames to a
  // browser into 4 KiB pieces when the User-Agent starts with "Mozilla/"): a diagnostic, not a real page's case
  const context = await browser.newContext(opt("--user-agent") ? { userAgent: opt("--user-agent") } : {});
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  let pids: number[] = [];
  type Mem = { heap: number; backing: number; js: number; rss: number };
  const read = async (): Promise<Mem> => {
    const [usage, metrics] = await Promise.all([
      cdp.send("Runtime.getHeapUsage") as Promise<{ usedSize: number; backingStorageSize?: number }>,
      cdp.send("Performance.getMetrics") as Promise<{ metrics: { name: string; value: number }[] }>,
    ]);
    const jsHeap = metrics.metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? usage.usedSize;
    const heap = Math.max(jsHeap, usage.usedSize);
    const backing = usage.backingStorageSize ?? 0;
    return { heap, backing, js: heap + backing, rss: rendererRss(pids) };
  };
  let current: { op: string; start: number; limit: number; base: Mem; peak: Mem; cpu: CpuSnap } | undefined;
  let sampling = false;
  const sampleOnce = async () => {
    if (!current || sampling) return;
    sampling = true;
    try {
      const m = await read();
      if (current) {
        current.peak.heap = Math.max(current.peak.heap, m.heap);
        current.peak.backing = Math.max(current.peak.backing, m.backing);
        current.peak.js = Math.max(current.peak.js, m.js);
        current.peak.rss = Math.max(current.peak.rss, m.rss);
      }
    } catch {
      /* page gone */
    } finally {
      sampling = false;
    }
  };
  const memOf = (c: NonNullable<typeof current>) => ({
    heapBase: c.base.heap, heapPeak: c.peak.heap, heapGrowth: c.peak.heap - c.base.heap,
    backingGrowth: c.peak.backing - c.base.backing, jsGrowth: c.peak.js - c.base.js, rendererRssGrowth: c.peak.rss - c.base.rss,
  });
  const done = new Set<string>();
  await page.exposeFunction("__benchBegin", async (op: string) => {
    pids = rendererPids();
    await cdp.send("HeapProfiler.collectGarbage").catch(() => undefined);
    const base = await read();
    current = { op, start: Date.now(), limit: opLimitMs(step.size) * (step.group === "objstore" ? 1 : 2), base, peak: { ...base }, cpu: cpuSnap() };
  });
  await page.exposeFunction("__benchEnd", async (r: OpResult) => {
    if (current) {
      r.foreignCores = Number(foreignCores(current.cpu, cpuSnap()).toFixed(2));
      await sampleOnce();
      r.mem = memOf(current);
    }
    current = undefined;
    done.add(r.op);
    report(r);
  });
  let killedFor: string | undefined;
  const timer = setInterval(() => {
    void sampleOnce();
    if (current && Date.now() - current.start > current.limit) killedFor = `killed after ${Math.round(current.limit / 1000)} s (time limit)`;
    if (Date.now() > deadline) killedFor ??= "killed: global time limit of the run";
    if (killedFor) void context.close().catch(() => undefined);
  }, 100);
  let failure: string | undefined;
  try {
    page.on("pageerror", (e) => console.log(`  # page error: ${e.message.split("\n")[0]}`));
    await page.goto(`${origin}/index.html`, { timeout: 30_000 });
    await page.waitForFunction(() => "__bench" in globalThis, undefined, { timeout: 30_000 });
    await page.evaluate(([task, url, worker]) => (globalThis as unknown as { __bench: { run(t: unknown, u: string, w: boolean): Promise<void> } }).__bench.run(task, url, worker),
      [step.task, url, step.runtime === "worker"] as const);
  } catch (e) {
    failure = killedFor ?? `page failed: ${(e as Error).message.split("\n")[0]}`;
  } finally {
    clearInterval(timer);
    await context.close().catch(() => undefined);
  }
  if (current) {
    const c = current;
    report({ op: c.op, ok: false, bytes: 0, ms: Date.now() - c.start, mbps: 0, error: failure ?? killedFor ?? "page closed", mem: memOf(c) });
    done.add(c.op);
  } else if (failure && done.size === 0 && step.ops.length === 0) {
    report({ op: "(task)", ok: false, bytes: 0, ms: 0, mbps: 0, error: failure });
  }
  for (const op of step.ops) if (!done.has(op)) report({ op, ok: false, bytes: 0, ms: 0, mbps: 0, error: failure ? `not run: ${failure}` : "not run" });
}

// ------------------------------------------------------------------ summary

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");
const mib = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "–" : `${(x / MiB).toFixed(0)}`);
const sizeLabel = (n: number) => (n >= 1024 * MiB ? `${n / 1024 / MiB} GiB` : `${n / MiB} MiB`);

const MEM_KEY: Record<Runtime, string> = { node: "rssGrowth", chromium: "jsGrowth", worker: "rendererRssGrowth" };
const MEM_TITLE: Record<Runtime, string> = { node: "mem (RSS)", chromium: "mem (JS heap+ArrayBuffers / renderer RSS)", worker: "mem (renderer RSS)" };

interface Cell { median: number; ok: number; n: number; errors: string[]; memMax?: number; mem2Max?: number }

function cell(rows: Row[], memKey: string, mem2Key?: string): Cell {
  const ok = rows.filter((r) => r.ok);
  const mems = rows.map((r) => r.mem?.[memKey]).filter((x): x is number => typeof x === "number");
  const mems2 = mem2Key ? rows.map((r) => r.mem?.[mem2Key]).filter((x): x is number => typeof x === "number") : [];
  return {
    median: median(ok.map((r) => r.mbps)), ok: ok.length, n: rows.length,
    errors: [...new Set(rows.filter((r) => !r.ok).map((r) => r.error ?? "failed"))],
    memMax: mems.length ? Math.max(...mems) : undefined,
    mem2Max: mems2.length ? Math.max(...mems2) : undefined,
  };
}

const cellText = (c: Cell) => c.n === 0 ? "" : `${fmt(c.median)}${c.ok < c.n ? ` (${c.ok}/${c.n} ok)` : ""}`;

export interface Summary {
  objstore: { runtime: Runtime; size: number; label: string; put: Cell; get: Cell }[];
  ratios: { runtime: Runtime; size: number; op: "put" | "get"; vs: string; ratio: number }[];
  targets: { target: string; met: boolean | null; detail: string }[];
  markdown: string;
}

function summarize(allRows: Row[], meta: Record<string, unknown>): Summary {
  const rows = allRows.filter((r) => !r.discarded);
  const discarded = allRows.length - rows.length;
  const lines: string[] = [];
  const out: Summary = { objstore: [], ratios: [], targets: [], markdown: "" };
  lines.push(`# Object store benchmark (${mode})`, "");
  lines.push(`${meta.date} · ${meta.cpu} · ${meta.cores} cores · ${meta.memGiB} GiB · Node ${meta.node} · ${meta.chromium} · nats-server ${meta.natsServer}${meta.natsGo && meta.natsGo !== "–" ? ` · nats.go ${meta.natsGo}` : ""} (file storage, loopback WebSocket; Node rows marked tcp over TCP) · src at ${meta.commit}`, "");
  const fc = rows.map((r) => r.foreignCores as number | undefined).filter((x): x is number => typeof x === "number");
  lines.push(`Machine shared with other work: during the measured ops other processes used ${fmt(median(fc), 2)} cores (median), ${fmt(Math.max(0, ...fc), 2)} at most; ${discarded} op results were discarded and their task re-run because others used more than ${busyCores} cores meanwhile.`, "");
  lines.push("MB/s = 10^6 bytes/s, median of the rounds that succeeded (`k/n ok` when some failed). Memory: growth over the value after a GC right before the op, worst round, MiB — Node: RSS (VmHWM); Chromium page: JS heap + ArrayBuffer backing stores (CDP Runtime.getHeapUsage / Performance.getMetrics, sampled every 100 ms) / renderer processes' RSS; Worker: renderer RSS (the CDP heap figures are the page's, not the worker's).", "");
  const memCol = (rt: Runtime, c: Cell) => (rt !== "chromium" ? mib(c.memMax) : `${mib(c.memMax)} / ${mib(c.mem2Max)}`);

  for (const rt of runtimes) {
    const rtRows = rows.filter((r) => r.runtime === rt);
    if (rtRows.length === 0) continue;
    lines.push(`## ${RT_TITLE[rt]}`, "");
    const os = rtRows.filter((r) => r.group === "objstore");
    const rtSizes = [...new Set(os.map((r) => r.size))].sort((a, b) => a - b);
    if (os.length) {
      lines.push(`| size | client | put MB/s | get MB/s | put vs nats.ws | put vs @nats-io/obj | get vs nats.ws | get vs @nats-io/obj | put ${MEM_TITLE[rt]} | get ${MEM_TITLE[rt]} |`);
      lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
      for (const size of rtSizes) {
        const labels = [...new Set(os.filter((r) => r.size === size).map((r) => r.label))];
        const memKey = MEM_KEY[rt];
        const mem2 = rt === "chromium" ? "rendererRssGrowth" : undefined;
        const get = (label: string, op: string) => cell(os.filter((r) => r.size === size && r.label === label && r.op === op), memKey, mem2);
        const base = { natsws: { put: get("natsws", "put"), get: get("natsws", "get") }, obj: { put: get("obj", "put"), get: get("obj", "get") } };
        // TCP rows are compared with @nats-io/obj over TCP, where it ran
        const objTcp = { put: get("obj [tcp]", "put"), get: get("obj [tcp]", "get") };
        for (const label of labels) {
          const put = get(label, "put");
          const g = get(label, "get");
          const obj = label.includes("tcp]") && objTcp.put.n ? objTcp : base.obj;
          out.objstore.push({ runtime: rt, size, label, put, get: g });
          const ratio = (a: Cell, b: Cell) => (a.ok && b.ok ? a.median / b.median : NaN);
          const rtext = (a: Cell, b: Cell) => {
            if (!a.n || label === "natsws" || label === "obj" || label.startsWith("natsws") || label.startsWith("obj")) return "";
            if (!b.ok) return b.n ? "peer failed" : "";
            return `${fmt(ratio(a, b), 1)}x`;
          };
          if (label === "ours") {
            for (const [vs, b] of Object.entries(base)) {
              for (const op of ["put", "get"] as const) {
                const a = op === "put" ? put : g;
                out.ratios.push({ runtime: rt, size, op, vs, ratio: b[op].ok ? ratio(a, b[op]) : Infinity });
              }
            }
          }
          lines.push(`| ${sizeLabel(size)} | ${label} | ${cellText(put)} | ${cellText(g)} | ${rtext(put, base.natsws.put)} | ${rtext(put, obj.put)} | ${rtext(g, base.natsws.get)} | ${rtext(g, obj.get)} | ${put.n ? memCol(rt, put) : ""} | ${g.n ? memCol(rt, g) : ""} |`);
        }
      }
      lines.push("");
      const fails = os.filter((r) => !r.ok);
      if (fails.length) {
        lines.push("Failures:", "");
        for (const f of fails) lines.push(`- ${sizeLabel(f.size)} ${f.label} ${f.op} (round ${f.round + 1}): ${f.error}`);
        lines.push("");
      }
    }
    const ceil = rtRows.filter((r) => r.group === "ceiling");
    if (ceil.length) {
      lines.push(`Ceilings (${sizeLabel(ceil[0]!.size)} of 128 KiB messages, one connection):`, "", "| measurement | MB/s | mem growth MiB |", "| --- | --- | --- |");
      for (const r of ceil) lines.push(`| ${r.op} | ${r.ok ? fmt(r.mbps) : `FAILED: ${r.error}`} | ${mib(r.mem?.[MEM_KEY[rt]])} |`);
      lines.push("");
    }
    const hash = rtRows.filter((r) => r.group === "hash");
    if (hash.length) {
      lines.push(`SHA-256 (${sizeLabel(hash[0]!.size)} in 128 KiB pieces; WebCrypto one-shot: 16 MiB buffers):`, "", "| hasher | MB/s |", "| --- | --- |");
      for (const r of hash) lines.push(`| ${r.op.replace("sha256 ", "")} | ${r.ok ? fmt(r.mbps) : `n/a (${r.error})`} |`);
      lines.push("");
    }
    const study = rtRows.filter((r) => r.group === "study");
    if (study.length) lines.push(...studyTables(study), "");
  }

  // targets
  if (mode !== "study") {
    const T = out.targets;
    const big = sizes.includes(256 * MiB) ? 256 * MiB : Math.max(...sizes);
    for (const rt of runtimes) {
      for (const op of ["put", "get"] as const) {
        const rs = out.ratios.filter((r) => r.runtime === rt && r.size === big && r.op === op);
        if (rs.length === 0) continue;
        const min = Math.min(...rs.map((r) => r.ratio));
        T.push({ target: `${rt} ${op} >= 3x both official clients at ${sizeLabel(big)}`, met: Number.isFinite(min) || min === Infinity ? min >= 3 : false,
          detail: rs.map((r) => `${r.vs}: ${r.ratio === Infinity ? "peer failed" : `${fmt(r.ratio, 2)}x`}`).join(", ") });
      }
      const ceil = rows.filter((r) => r.runtime === rt && r.group === "ceiling" && r.op.startsWith("publish") && r.ok);
      const best = ceil.length ? Math.max(...ceil.map((r) => r.mbps)) : NaN;
      const ours = out.objstore.find((o) => o.runtime === rt && o.size === big && o.label === "ours");
      if (ours && Number.isFinite(best)) {
        const frac = ours.put.median / best;
        T.push({ target: `${rt} put >= 60% of the raw publish ceiling`, met: frac >= 0.6, detail: `${fmt(ours.put.median)} / ${fmt(best)} MB/s = ${fmt(frac * 100)}%` });
      }
      const gib = out.objstore.find((o) => o.runtime === rt && o.size === 1024 * MiB && o.label === "ours");
      if (gib) {
        const okAll = gib.put.ok === gib.put.n && gib.get.ok === gib.get.n && gib.put.n > 0;
        const limit = rt === "node" ? 64 * MiB : 128 * MiB; // worker: renderer RSS (its heap is not the page's)
        const growth = Math.max(gib.put.memMax ?? Infinity, gib.get.memMax ?? Infinity);
        T.push({ target: `${rt} 1 GiB completes, ${rt === "node" ? "RSS" : rt === "chromium" ? "JS heap (incl. ArrayBuffers)" : "renderer RSS"} growth < ${limit / MiB} MiB`, met: okAll && growth < limit,
          detail: `put ${gib.put.ok}/${gib.put.n} ok, get ${gib.get.ok}/${gib.get.n} ok; growth put ${mib(gib.put.memMax)} MiB, get ${mib(gib.get.memMax)} MiB${rt === "chromium" ? ` (renderer RSS: put ${mib(gib.put.mem2Max)}, get ${mib(gib.get.mem2Max)})` : ""}` });
      }
      const noop = out.objstore.find((o) => o.runtime === rt && o.label === "ours [no-op put hash]");
      const real = out.objstore.find((o) => o.runtime === rt && o.size === noop?.size && o.label === "ours");
      if (noop && real) {
        const hashRow = rows.find((r) => r.runtime === rt && r.group === "hash" && r.op === "sha256 default");
        const H = hashRow?.mbps ?? NaN;
        const P0 = noop.put.median;
        const serial = 1 / (1 / P0 + 1 / H);
        const overlap = real.put.median >= 0.9 * P0 || real.put.median > serial * 1.1;
        T.push({ target: `${rt} put hashing overlaps I/O`, met: overlap,
          detail: `no-op hash ${fmt(P0)} MB/s, default hasher (${fmt(H)} MB/s alone) ${fmt(real.put.median)} MB/s; fully serial would be ${fmt(serial)} MB/s` });
      }
    }
    if (T.length) {
      lines.push("## Targets", "", "| target | met | detail |", "| --- | --- | --- |");
      for (const t of T) lines.push(`| ${t.target} | ${t.met === null ? "?" : t.met ? "yes" : "**no**"} | ${t.detail} |`);
      lines.push("");
    }
  }
  out.markdown = lines.join("\n");
  return out;
}

function studyTables(rows: Row[]): string[] {
  const lines: string[] = [];
  const puts = rows.filter((r) => r.op.startsWith("put"));
  const protoPuts = rows.filter((r) => r.op.startsWith("proto put"));
  const gets = rows.filter((r) => r.op.startsWith("get"));
  const chunkSizes = [...new Set(rows.map((r) => r.chunkSize as number).filter((c) => typeof c === "number"))].sort((a, b) => a - b);
  const inflight = [...new Set(puts.map((r) => (r.window as number) * (r.chunkSize as number)))];
  const inflightMiB = [...new Set(inflight.map((b) => Math.round(b / MiB * 2) / 2))].sort((a, b) => a - b);
  lines.push(`Put MB/s (${sizeLabel(rows[0]!.size)}, median of rounds, hashing with ${rows[0]!.runtime === "node" ? "the default hasher (node:crypto)" : "hash-wasm"}) by chunk size (rows) and bytes in flight = window x chunk (columns, MiB):`, "");
  lines.push(`| chunk | ${inflightMiB.map((m) => `${m} MiB`).join(" | ")} |`, `| --- | ${inflightMiB.map(() => "---").join(" | ")} |`);
  for (const c of chunkSizes) {
    const cells = inflightMiB.map((m) => {
      const rs = puts.filter((r) => r.chunkSize === c && Math.round(((r.window as number) * c) / MiB * 2) / 2 === m && r.ok);
      return rs.length ? `${fmt(median(rs.map((r) => r.mbps)))} (w${rs[0]!.window})` : "–";
    });
    lines.push(`| ${c / KiB} KiB | ${cells.join(" | ")} |`);
  }
  if (protoPuts.length) {
    lines.push("", `Prototype put data path (bench/lib/proto-put.ts), same grid:`, "");
    lines.push(`| chunk | ${inflightMiB.map((m) => `${m} MiB`).join(" | ")} |`, `| --- | ${inflightMiB.map(() => "---").join(" | ")} |`);
    for (const c of chunkSizes) {
      const cells = inflightMiB.map((m) => {
        const rs = protoPuts.filter((r) => r.chunkSize === c && Math.round(((r.window as number) * c) / MiB * 2) / 2 === m && r.ok);
        return rs.length ? `${fmt(median(rs.map((r) => r.mbps)))} (w${rs[0]!.window})` : "–";
      });
      lines.push(`| ${c / KiB} KiB | ${cells.join(" | ")} |`);
    }
  }
  lines.push("");
  const batchMiB = [...new Set(gets.filter((r) => (r.batch as number) > 0).map((r) => Math.round(((r.batch as number) * (r.chunkSize as number)) / MiB * 4) / 4))].sort((a, b) => a - b);
  lines.push(`Get MB/s (ChunkReader, window = 2 x batch, hashing with ${rows[0]!.runtime === "node" ? "the default hasher (node:crypto)" : "hash-wasm"}) by chunk size and bytes per pull batch (MiB); last column: the library's get as it is:`, "");
  lines.push(`| chunk | ${batchMiB.map((m) => `${m} MiB`).join(" | ")} | os.get() |`, `| --- | ${batchMiB.map(() => "---").join(" | ")} | --- |`);
  for (const c of chunkSizes) {
    const cells = batchMiB.map((m) => {
      const rs = gets.filter((r) => r.chunkSize === c && (r.batch as number) > 0 && Math.round(((r.batch as number) * c) / MiB * 4) / 4 === m && r.ok);
      return rs.length ? `${fmt(median(rs.map((r) => r.mbps)))} (b${rs[0]!.batch})` : "–";
    });
    const def = gets.filter((r) => r.chunkSize === c && r.batch === 0 && r.ok);
    lines.push(`| ${c / KiB} KiB | ${cells.join(" | ")} | ${def.length ? fmt(median(def.map((r) => r.mbps))) : "–"} |`);
  }
  const failed = rows.filter((r) => !r.ok);
  if (failed.length) {
    lines.push("", "Failures:", "");
    for (const f of failed) lines.push(`- ${f.op}: ${f.error}`);
  }
  return lines;
}

function printConsoleTable(s: Summary): void {
  const head = ["runtime", "size", "client", "put MB/s", "get MB/s", "put mem MiB", "get mem MiB"];
  const data = s.objstore.map((o) => [o.runtime, sizeLabel(o.size), o.label, cellText(o.put), cellText(o.get), mib(o.put.memMax), mib(o.get.memMax)]);
  const widths = head.map((h, i) => Math.max(h.length, ...data.map((d) => d[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log("\n" + line(head));
  for (const d of data) console.log(line(d));
  if (s.targets.length) {
    console.log("\ntargets:");
    for (const t of s.targets) console.log(`  [${t.met ? "met" : "NOT met"}] ${t.target}: ${t.detail}`);
  }
}

// ------------------------------------------------------------------ main

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10_000 }).trim();
  } catch {
    return "?";
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const deadline = started + globalLimitMs;
  const meta = {
    mode, date: new Date().toISOString(), cpu: cpus()[0]?.model ?? "?", cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version, chromium: runtimes.some((r) => r !== "node") ? sh(CHROMIUM, ["--version"]) : "–",
    natsServer: server0.version,
    commit: `${sh("git", ["-C", BENCH_DIR, "rev-parse", "--short", "HEAD"])}${sh("git", ["-C", BENCH_DIR, "status", "--porcelain", "--", "../src"]) ? " + uncommitted src changes" : ""}`,
    sizes, runtimes, opLimit: "15 s + size at 10 MB/s (ceilings and hashing: twice that)",
  };
  console.log(`bench (${mode}): ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, ${meta.chromium}, nats-server ${meta.natsServer}`);
  const { nodeTask, pageDir } = await buildBundles();
  const go = mode !== "study" && runtimes.includes("node") ? buildGoBench() : undefined;
  if (go && "missing" in go) console.log(`  # no nats.go row: ${go.missing}`);
  (meta as Record<string, unknown>).natsGo = go && "bin" in go ? go.version : "–";
  const steps = mode === "study" ? studyPlan() : mainPlan(go);
  const rows: Row[] = [];
  const server: NatsServer = await startNatsServer();
  let web: { server: Server; origin: string } | undefined;
  let browser: Browser | undefined;
  let restarts = 0;
  try {
    console.log(`nats-server pid ${server.pid} at ${server.url}; ${steps.length} tasks`);
    // nats-server 2.9.10 does not give back the account's storage usage when a stream is purged by subject
    // (what every put that replaces an object, and every delete, does): the usage only grows until the
    // server restarts, and writes then fail with "insufficient resources" (max_file_store). Watch it between
    // tasks and restart the server (same ports, same store) before it gets near the limit.
    const storageUsed = async (): Promise<number> => {
      const nc = await tcpConnect({ servers: server.natsUrl, maxReconnectAttempts: 0 });
      try {
        return (await (await jetstreamManager(nc)).getAccountInfo()).storage;
      } finally {
        await nc.close();
      }
    };
    for (const [i, step] of steps.entries()) {
      for (let attempt = 0; ; attempt++) {
        const stepRows: Row[] = [];
        const report = (r: OpResult) => {
          const row: Row = { ...r, load1: Number(loadavg()[0]!.toFixed(2)), runtime: step.runtime, ws: step.ws, group: step.group, label: step.label, size: step.size, round: step.round,
            client: step.task.kind === "objstore" ? step.task.client : undefined };
          rows.push(row);
          stepRows.push(row);
          const mem = r.mem ? (step.runtime === "node" ? ` rss+${mib(r.mem.rssGrowth)}MiB` : ` js+${mib(r.mem.jsGrowth)}MiB renderer+${mib(r.mem.rendererRssGrowth)}MiB`) : "";
          console.log(`  ${step.runtime.padEnd(8)} ${sizeLabel(step.size).padStart(7)} ${step.label.padEnd(22)} ${r.op.padEnd(34)} ${r.ok ? `${fmt(r.mbps).padStart(5)} MB/s ${fmt(r.ms / 1000, 2)} s` : `FAILED ${r.error}`}${mem}${typeof r.foreignCores === "number" && r.foreignCores >= 0.3 ? ` [others used ${r.foreignCores} cores]` : ""}`);
        };
        if (Date.now() > deadline) {
          for (const op of step.ops.length ? step.ops : ["(task)"]) report({ op, ok: false, bytes: 0, ms: 0, mbps: 0, error: "not run: global time limit of the run" });
          break;
        }
        if (quietCores > 0) {
          const f = await waitQuiet(quietCores, quietWaitMs);
          if (f >= quietCores) console.log(`  # other processes still use ${f.toFixed(1)} cores after waiting ${quietWaitMs / 1000} s; going on`);
        }
        if (attempt > 0 && step.task.kind === "objstore") step.task.bucket = bucketName(step.label);
        const tcp = step.task.kind === "objstore" && (step.task.client === "natsgo" || step.task.connection === "v3 tcp");
        if (step.task.kind === "objstore" && step.task.client === "natsgo" && go && "bin" in go) {
          await runGoStep(step, go.bin, server.natsUrl, report, deadline);
        } else if (step.runtime === "node") {
          await runNodeStep(step, nodeTask, tcp ? server.natsUrl : server.url, report, deadline);
        } else {
          if (!browser) {
            web = await serve(pageDir);
            const { chromium } = await import("playwright-core");
            browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
          }
          await runChromiumStep(step, browser, web!.origin, server.url, report, deadline);
        }
        // A task during which other processes used much CPU measured them too: run it again (at most
        // --busy-retries times); the disturbed rows are kept in the JSON, marked, and left out of medians.
        const busy = stepRows.filter((r) => (r.foreignCores as number | undefined ?? 0) > busyCores);
        if (busy.length === 0 || attempt >= busyRetries || Date.now() > deadline) break;
        for (const r of stepRows) r.discarded = `others used ${Math.max(...busy.map((b) => b.foreignCores as number))} cores; task run again`;
        console.log(`  # disturbed by other processes: running ${step.label} again`);
      }
      const used = await storageUsed().catch(() => 0);
      if (used > 8e9) {
        console.log(`  # account storage usage ${fmt(used / 1e9, 1)} GB (leaked by subject purges on this server version): restarting nats-server`);
        await server.restart();
        restarts++;
      }
      if ((i + 1) % 10 === 0) console.log(`  ... ${i + 1}/${steps.length} tasks, ${fmt((Date.now() - started) / 1000)} s`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    if (web) await new Promise<void>((r) => web!.server.close(() => r()));
    if (rows.some((r) => !r.ok && !r.discarded)) {
      mkdirSync(OUT_DIR, { recursive: true });
      try {
        copyFileSync(join(server.dir, "nats-server.log"), join(OUT_DIR, `${outName}-nats-server.log`));
      } catch {
        /* no log */
      }
    }
    await server.stop();
  }
  (meta as Record<string, unknown>).serverRestarts = restarts;
  const summary = summarize(rows, meta);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, `${outName}.json`), JSON.stringify({ meta, seconds: (Date.now() - started) / 1000, rows, summary: { ...summary, markdown: undefined } }, null, 1));
  writeFileSync(join(OUT_DIR, `${outName}.md`), summary.markdown + `\n_Run took ${fmt((Date.now() - started) / 1000)} s._\n`);
  printConsoleTable(summary);
  console.log(`\nwrote bench/results/${outName}.json and ${outName}.md (${fmt((Date.now() - started) / 1000)} s)`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
