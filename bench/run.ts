/**
 * The object store benchmark: this library vs the nats.ws bundled object store vs @nats-io/obj, put and
 * get over WebSocket against one local nats-server (file storage), in Node and in the three browser engines
 * (Chromium, Firefox, WebKitGTK; in the page and in a dedicated Worker), interleaved (the client order rotates
 * every round), plus ceilings (raw JetStream publish and consume, SHA-256) and memory, with the server's
 * WebSocket compression off and/or on. Node also runs the TCP rows: ours and @nats-io/obj over
 * `@nats-io/transport-node`, nats.go (bench/go) where it builds. See bench/README.md.
 *
 *   node --import tsx bench/run.ts            full run (16 MiB, 256 MiB x3 rounds; 1 GiB x1)  -> results/latest.*
 *   node --import tsx bench/run.ts --quick    16 MiB, 1 round                                   -> results/quick.*
 *   node --import tsx bench/run.ts --study    chunk size / put window / get batch study           -> results/study.*
 * Options: --runtimes node,chromium,worker,firefox,firefox-worker,webkit,webkit-worker  --sizes 16,256  --rounds N
 *          --no-extras  --no-parallel-reads  --no-hash-worker  --server-version 2.9.10|2.12.x|newest (default: env NATS_SERVER_VERSION, else the newest release)
 *          --no-fast-batch (leave out the fast-batch rows, which run on 2.14+ only)
 *          --study-mib N  --study-chunks 64,128 (KiB; the study's object size and chunk sizes)
 *          --no-leaf (leave out the browser rows that put through an uncompressed leaf node or proxy of the compression-on server)
 *          --compression off|on|off,on (the server's `websocket { compression }`; one server per setting)
 *          --launch free|driven|both (browsers: driver-free, as users run them, or held by a driver; both: each
 *          browser task twice, interleaved)  --out NAME (results/NAME.*)  --dry-run (print the plan's size only)
 *
 * Every Node task runs in its own child process (bench/node-task.ts) and every browser task in a fresh page:
 * driven Chromium in a fresh context of one playwright-core browser (memory over CDP), driven Firefox and
 * WebKit in a browser launched for the task through test/harness/engines.ts, driver-free ones in a browser
 * process started with just the page's URL (the page posts its results to the bench's own HTTP server; no
 * debugging client is attached). So memory figures are per task and a stuck client can be killed: each op
 * has a time limit (15 s + its size at 10 MB/s); past it the process (or page, or browser) is killed and the
 * op recorded as failed.
 */
import { fork, spawn, execFileSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { buildBundles, BENCH_DIR } from "./build.ts";
import type { OpResult, Task, ObjstoreTask } from "./lib/tasks.ts";
import type { ClientName } from "./lib/clients.ts";
import { cpuSnap, foreignCores, waitQuiet, type CpuSnap } from "./lib/cpu.ts";
import { cmdline, descendants, rssOf, statusBytes } from "./lib/procs.ts";
import type { HasherName } from "./lib/hashers.ts";
import type { PageEvent, PageRun } from "./page-entry.ts";
import { startNatsServer, type NatsServer, type NatsServerOptions } from "../test/harness/nats-server.ts";
import { hubJetStreamConfig, hubLeafConfig, leafPort, startCompressedServer, startLeaf, startStripProxy, type StripProxy } from "./lib/leaf.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../test/harness/chromium.ts";
import { FIREFOX_PATH, MINIBROWSER_PATH, engineMissing, launchPage, withTimeout, type Arg, type Engine, type EnginePage } from "../test/harness/engines.ts";
import { connect as tcpConnect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { selectServerVersion } from "./lib/server-version.ts";
import { buildGoBench, type GoBench } from "./lib/go-bench.ts";

const MiB = 1024 * 1024;
const KiB = 1024;

type Runtime = "node" | "chromium" | "worker" | "firefox" | "firefox-worker" | "webkit" | "webkit-worker";
const RUNTIMES: readonly Runtime[] = ["node", "chromium", "worker", "firefox", "firefox-worker", "webkit", "webkit-worker"];
const RT_TITLE: Record<Runtime, string> = {
  node: "Node", chromium: "Chromium (headless), in the page", worker: "Chromium (headless), in a dedicated Worker",
  firefox: "Firefox ESR (headless), in the page", "firefox-worker": "Firefox ESR (headless), in a dedicated Worker",
  webkit: "WebKitGTK MiniBrowser (Xvfb), in the page", "webkit-worker": "WebKitGTK MiniBrowser (Xvfb), in a dedicated Worker",
};
/** The browser engine of a runtime (undefined: Node). */
const engineOf = (rt: Runtime): Engine | undefined =>
  rt === "node" ? undefined : rt === "chromium" || rt === "worker" ? "chromium" : rt.startsWith("firefox") ? "firefox" : "webkit";
const inWorker = (rt: Runtime) => rt === "worker" || rt.endsWith("-worker");
/**
 * How a browser runs: "driven", a driver (playwright-core, puppeteer-core, WebDriver) holds the page and
 * receives its events while ops are timed; "free", the browser is started with the page's URL and nothing
 * else, and the page posts its results to the bench's HTTP server.
 */
type Launch = "driven" | "free";
type WsImpl = "undici" | "ws" | "ws-nomask";

/** One recorded op. */
export interface Row extends OpResult {
  runtime: Runtime;
  /** Browsers only. */
  launch?: Launch;
  /** The server's WebSocket compression. */
  compression: boolean;
  ws?: WsImpl;
  group: "objstore" | "ceiling" | "hash" | "study";
  label: string;
  client?: ClientName;
  size: number;
  round: number;
}

interface Step {
  runtime: Runtime;
  launch?: Launch;
  compression: boolean;
  ws: WsImpl;
  group: Row["group"];
  label: string;
  round: number;
  size: number;
  task: Task;
  /** Ops expected (to record the ones a killed task never ran). */
  ops: string[];
  /**
   * The uncompressed endpoint of a compression-on step (bench/lib/leaf.ts): objstore steps put through it
   * (gets stay on the hub), ceiling steps run on it.
   */
  endpoint?: Endpoint;
}
type Endpoint = "leaf" | "proxy";

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
const runtimes = (opt("--runtimes") ?? (mode === "quick" ? "node,chromium" : mode === "study" ? "node,chromium,worker" : "node,chromium,worker,firefox,webkit"))
  .split(",") as Runtime[];
for (const rt of runtimes) if (!RUNTIMES.includes(rt)) throw new Error(`--runtimes: unknown runtime ${rt} (${RUNTIMES.join(", ")})`);
/** The server's WebSocket compression settings to measure (full run: both; one nats-server per setting). */
const compressions = (opt("--compression") ?? (mode === "full" ? "off,on" : "off")).split(",").map((c) => {
  if (c !== "off" && c !== "on") throw new Error(`--compression: off, on or off,on (got ${c})`);
  return c === "on";
});
/** How browsers run (default: driver-free, as users run them; "both" runs each browser task both ways). */
const launches: Launch[] = (() => {
  const l = opt("--launch") ?? "free";
  if (l === "both") return ["free", "driven"];
  if (l !== "free" && l !== "driven") throw new Error(`--launch: free, driven or both (got ${l})`);
  return [l];
})();
const sizes = (opt("--sizes") ?? (mode === "quick" ? "16" : "16,256,1024")).split(",").map((s) => Number(s) * MiB);
const roundsFor = (size: number, runtime?: Runtime) =>
  Number(opt("--rounds") ?? (mode === "quick" ? 1 : size >= 1024 * MiB ? 1 : runtime && inWorker(runtime) ? 2 : 3));
const extras = !flag("--no-extras");
/** Rows of gets over 2 and 4 connections. */
const parallelReads = !flag("--no-parallel-reads");
/** Browsers: puts and gets hashed in a Worker of their own (`workerSha256`, bench/hash-worker.ts). */
const hashWorker = !flag("--no-hash-worker");
/**
 * Browsers with the server's compression on: rows that put through an uncompressed second endpoint, a leaf
 * node of the server and a proxy that strips the handshake's permessage-deflate offer (bench/lib/leaf.ts).
 */
const uncompressedPuts = !flag("--no-leaf") && compressions.includes(true) && runtimes.some((rt) => rt !== "node");
const globalLimitMs = Number(opt("--limit-min") ?? (mode === "quick" ? 4 * compressions.length * launches.length * Math.max(1, runtimes.length - 1)
  : mode === "study" ? 20 : 150)) * 60_000;
const OUT_DIR = join(BENCH_DIR, "results");
/** Before each task, wait up to quietWaitMs for other processes to use less than quietCores cores. */
const quietCores = Number(opt("--quiet-cores") ?? 0.3);
const quietWaitMs = Number(opt("--quiet-wait-s") ?? (mode === "quick" ? 2 : 5)) * 1000;
/** An op during which others used more than busyCores cores is run again, at most busyRetries times. */
const busyCores = Number(opt("--busy-cores") ?? 0.5);
const busyRetries = Number(opt("--busy-retries") ?? (mode === "quick" ? 0 : 1));
const outName = opt("--out") ?? (mode === "full" ? "latest" : mode);

const opLimitMs = (bytes: number) => 15_000 + (bytes / 10e6) * 1000;
let bucketSeq = 0;
const bucketName = (label: string) => `bench_${label.replace(/[^\w-]/g, "_")}_${process.pid}_${++bucketSeq}`;

// ------------------------------------------------------------------ plan

/** Where a step runs: runtime, browser launch, server compression, Node's WebSocket implementation. */
type At = Pick<Step, "runtime" | "launch" | "compression" | "ws">;

function objstoreStep(at: At, client: ClientName, label: string, size: number, round: number, extra: Partial<ObjstoreTask> = {}): Step {
  const ops = extra.ops ?? ["put", "get"];
  return {
    ...at, group: "objstore", label, round, size, ops,
    task: { kind: "objstore", client, label, size, bucket: bucketName(label), ops, ...extra },
  };
}

function mainPlan(go: GoBench | undefined): Step[] {
  const steps: Step[] = [];
  const quick = mode === "quick";
  const extraSize = quick ? 16 * MiB : 256 * MiB;
  for (const runtime of runtimes) {
    const rtLaunches: (Launch | undefined)[] = runtime === "node" ? [undefined] : launches;
    for (const compression of compressions) {
      // the first compression setting is the main one: hashing, the variants and 1 GiB run with it only
      const main = compression === compressions[0];
      const ats: At[] = rtLaunches.map((launch) => ({ runtime, launch, compression, ws: "undici" }));
      for (const at of ats) {
        const hashSize = quick ? 32 * MiB : 256 * MiB;
        const hashers: HasherName[] = runtime === "node"
          ? ["default", "node", "hashwasm", "noble", "jssha256"]
          : ["default", "hashwasm", "noble", "jssha256"];
        if (main) {
          steps.push({ ...at, group: "hash", label: "sha256", round: 0, size: hashSize, ops: [],
            task: { kind: "hash", size: hashSize, piece: 128 * KiB, hashers } });
        }
        const ceilSize = quick ? 32 * MiB : 256 * MiB;
        steps.push({ ...at, group: "ceiling", label: "ceiling", round: 0, size: ceilSize, ops: [],
          task: { kind: "ceiling", size: ceilSize, msgSize: 128 * KiB, windows: quick ? [32] : [8, 32, 128], pullBatches: quick ? [32] : [16, 64] } });
        if (uncompressedPuts && compression && runtime !== "node") {
          // the publish ceilings through the uncompressed endpoints of this compression-on server
          for (const endpoint of ["leaf", "proxy"] as const) {
            steps.push({ ...at, group: "ceiling", label: `ceiling [${endpoint}]`, round: 0, size: ceilSize, ops: [], endpoint,
              task: { kind: "ceiling", size: ceilSize, msgSize: 128 * KiB, windows: [32], pullBatches: [], publishOnly: true } });
          }
        }
      }
      // Workers: in the full run the main comparison at the 256 MiB size only (it answers "does a Worker
      // help?"); 1 GiB: Node and the Chromium page, main compression setting only
      const rtSizes = inWorker(runtime) && mode === "full" ? sizes.filter((s) => s === extraSize)
        : sizes.filter((s) => s < 1024 * MiB || (main && (runtime === "node" || runtime === "chromium")));
      for (const size of rtSizes) {
        const rounds = roundsFor(size, runtime);
        for (let round = 0; round < rounds; round++) {
          const group: Step[] = [];
          for (const at of ats) {
            const withExtras = extras && main && size === extraSize && at.launch === rtLaunches[0];
            group.push(...(["ours", "natsws", "obj"] as ClientName[]).map((c) => objstoreStep(at, c, c, size, round)));
            if (runtime === "node") {
              // the v3 clients beside nats.ws, over WebSocket and over TCP; nats.go over TCP where it built
              group.push(objstoreStep(at, "ours", "ours [v3 ws]", size, round, { connection: "v3 ws" }));
              group.push(objstoreStep(at, "ours", "ours [v3 tcp]", size, round, { connection: "v3 tcp" }));
              group.push(objstoreStep(at, "obj", "obj [tcp]", size, round, { connection: "v3 tcp" }));
              if (go && "bin" in go) group.push(objstoreStep(at, "natsgo", "nats.go [tcp]", size, round));
            }
            if (parallelReads) {
              // gets over 2 and 4 connections (the get option `connections`)
              for (const n of [2, 4]) group.push(objstoreStep(at, "ours", `ours [get x${n} conn]`, size, round, { readConnections: n }));
              // and over read lanes in Workers of their own (browsers)
              if (runtime !== "node") {
                for (const n of [1, 2, 4]) group.push(objstoreStep(at, "ours", `ours [get x${n} worker lane]`, size, round, { readLanes: n }));
              }
            }
            if (hashWorker && runtime !== "node") {
              // SHA-256 in a Worker (workerSha256): the thread of the socket no longer hashes
              group.push(objstoreStep(at, "ours", "ours [hash worker]", size, round, { putHasher: "worker", getHasher: "worker" }));
              // and the put with no hashing at all (what hashing costs this machine, where the socket's side is busy too)
              if (!withExtras) group.push(objstoreStep(at, "ours", "ours [no-op put hash]", size, round, { ops: ["put"], putHasher: "noop" }));
            }
            if (uncompressedPuts && at.compression && runtime !== "node") {
              // puts through an uncompressed leaf node / a deflate-stripping proxy, gets through this (compressed) server
              group.push({ ...objstoreStep(at, "ours", "ours [put via uncompressed leaf]", size, round), endpoint: "leaf" });
              group.push({ ...objstoreStep(at, "ours", "ours [put via deflate-stripping proxy]", size, round), endpoint: "proxy" });
            }
            if (fastBatch) {
              // fast-batch buckets (ADR-50, nats-server 2.14+): ours with allowBatched, obj with its fast-ingest opt-in
              group.push(objstoreStep(at, "ours", "ours [fast batch]", size, round, { allowBatched: true }));
              group.push(objstoreStep(at, "obj", "obj [fast ingest]", size, round, { allowBatched: true }));
            }
            if (withExtras && quick) {
              group.push(objstoreStep(at, "ours", "ours [no-op put hash]", size, round, { ops: ["put"], putHasher: "noop" }));
              group.push(objstoreStep(at, "ours", "ours [hash-wasm]", size, round, { putHasher: "hashwasm", getHasher: "hashwasm" }));
              group.push(objstoreStep(at, "ours", "ours [proto put]", size, round, { proto: { msgIds: true } }));
            } else if (withExtras && inWorker(runtime)) {
              group.push(objstoreStep(at, "ours", "ours [hash-wasm]", size, round, { putHasher: "hashwasm", getHasher: "hashwasm" }));
            } else if (withExtras) {
              // hashing overlap: the same put with no hashing at all, and with the other hashers
              group.push(objstoreStep(at, "ours", "ours [no-op put hash]", size, round, { ops: ["put"], putHasher: "noop" }));
              group.push(objstoreStep(at, "ours", "ours [hash-wasm]", size, round, { putHasher: "hashwasm", getHasher: "hashwasm" }));
              // the prototype put data path (bench/lib/proto-put.ts)
              group.push(objstoreStep(at, "ours", "ours [proto put]", size, round, { proto: { msgIds: true } }));
              if (runtime === "node") {
                group.push(objstoreStep(at, "ours", "ours [noble]", size, round, { putHasher: "noble", getHasher: "noble" }));
                group.push(objstoreStep(at, "ours", "ours [proto put, no msg-id]", size, round, { ops: ["put"], proto: { msgIds: false } }));
                // WebSocket implementations: Node's built-in (undici, the default here) vs the ws package, and ws
                // with unmasked client frames (nats-server's Nats-No-Masking handshake header)
                for (const c of ["ours", "natsws", "obj"] as ClientName[]) group.push(objstoreStep({ ...at, ws: "ws" }, c, `${c} [ws pkg]`, size, round));
                group.push(objstoreStep({ ...at, ws: "ws-nomask" }, "ours", "ours [ws pkg, no masking]", size, round));
                group.push(objstoreStep({ ...at, ws: "ws-nomask" }, "ours", "ours [ws no-mask + proto put]", size, round, { proto: { msgIds: true } }));
              } else {
                group.push(objstoreStep(at, "ours", "ours [proto put + hash-wasm]", size, round, { proto: { msgIds: true }, putHasher: "hashwasm", getHasher: "hashwasm" }));
              }
            }
          }
          // A B C A B C ...: rotate the order every round so no client always runs first or last
          const k = round % group.length;
          steps.push(...group.slice(k), ...group.slice(0, k));
        }
      }
    }
  }
  return steps;
}

function studyPlan(): Step[] {
  const steps: Step[] = [];
  const chunkSizes = opt("--study-chunks")?.split(",").map((k) => Number(k) * KiB) ?? [64 * KiB, 128 * KiB, 256 * KiB, 512 * KiB, 1023 * KiB];
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
        steps.push({ runtime, launch: runtime === "node" ? undefined : launches[0], compression: compressions[0]!, ws: "undici", group: "study", label, round, size, ops: [],
          task: { kind: "study", bucket: bucketName(label), size, chunkSize, windows, batches, rounds: 1,
            // in Chromium the default hasher (noble, ~85 MB/s) would hide every transport effect: use hash-wasm there
            hasher: runtime === "node" ? "default" : "hashwasm", proto: runtime === "node" } });
      }
    }
  }
  return steps;
}

// ------------------------------------------------------------------ node runner

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
      const rss = statusBytes(child.pid!, "VmRSS") ?? 0;
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
      const rss = statusBytes(child.pid!, "VmRSS");
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

/** A driver-free page's task and the handler of what it posts (see page-entry.ts). */
interface FreeRun {
  run: PageRun;
  onEvent(ev: PageEvent): Promise<void>;
}

/**
 * The bench's HTTP server: the page bundle, and for driver-free pages `GET /run/TOKEN.json` (the task) and
 * `POST /ev/TOKEN` (an event; answered once the host has handled it, so a `begin` returns after the host
 * took its baseline, as the driven hooks do).
 */
function serve(dir: string): Promise<{ server: Server; origin: string; runs: Map<string, FreeRun> }> {
  const runs = new Map<string, FreeRun>();
  const body = (req: IncomingMessage) => new Promise<string>((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (text += d));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const m = /^\/(run|ev)\/([\w-]+?)(\.json)?$/.exec(path);
    if (m) {
      const run = runs.get(m[2]!);
      if (!run) return void res.writeHead(404).end();
      if (m[1] === "run") {
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        return void res.end(JSON.stringify(run.run));
      }
      if (req.method !== "POST") return void res.writeHead(405).end();
      void body(req)
        .then((text) => run.onEvent(JSON.parse(text) as PageEvent))
        .then(() => res.writeHead(204).end(), (e: Error) => res.writeHead(500).end(String(e.message)));
      return;
    }
    const file = normalize(join(dir, path === "/" ? "index.html" : path));
    if (!file.startsWith(dir + sep)) return void res.writeHead(403).end();
    try {
      const data = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ server, runs, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

/** Pids of the renderer processes of the Chromium we launched (descendants of this process). */
const rendererPids = (): number[] => descendants(process.pid).filter((pid) => cmdline(pid).includes("--type=renderer"));
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
    return { heap, backing, js: heap + backing, rss: rssOf(pids) };
  };
  let current: { op: string; start: number; limit: number; base: Mem; peak: Mem; live: number; cpu: CpuSnap } | undefined;
  let sampling = false;
  let ticks = 0;
  /** A live sample is due: taken by the next tick that finds no sample in flight. */
  let liveDue = false;
  /**
   * One reading of the op's memory. `live`: after a forced full GC (once a second), what the op holds; the
   * 100 ms samples without a GC also count garbage V8 has not collected yet, which grows with speed and
   * V8's timing. A sample already in flight makes this one a no-op.
   */
  const sample = async (live: boolean) => {
    if (!current || sampling) return;
    sampling = true;
    try {
      if (live) await cdp.send("HeapProfiler.collectGarbage");
      const m = await read();
      if (live) liveDue = false;
      if (!current) return;
      if (live) {
        current.live = Math.max(current.live, m.js);
      } else {
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
    jsLiveGrowth: c.live - c.base.js,
  });
  const done = new Set<string>();
  await page.exposeFunction("__benchBegin", async (op: string) => {
    pids = rendererPids();
    await cdp.send("HeapProfiler.collectGarbage").catch(() => undefined);
    const base = await read();
    current = { op, start: Date.now(), limit: opLimitMs(step.size) * (step.group === "objstore" ? 1 : 2), base, peak: { ...base }, live: base.js, cpu: cpuSnap() };
  });
  await page.exposeFunction("__benchEnd", async (r: OpResult) => {
    if (current) {
      r.foreignCores = Number(foreignCores(current.cpu, cpuSnap()).toFixed(2));
      await sample(false);
      await sample(true);
      r.mem = memOf(current);
    }
    current = undefined;
    done.add(r.op);
    report(r);
  });
  let killedFor: string | undefined;
  const timer = setInterval(() => {
    if (++ticks % 10 === 0) liveDue = true;
    void sample(liveDue);
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

// ------------------------------------------------------------------ Firefox and WebKit (driven), every engine (driver-free)

/**
 * The host side of a browser task that is not driven through CDP: the page's begin / end events, each op's
 * time limit (and a limit on the time between ops: launch, connect, warm-up), the foreign CPU load, and
 * memory as the summed RSS of the browser's processes (sampled every 100 ms).
 */
class OpWatch {
  current: { op: string; start: number; limit: number; baseRss: number; peakRss: number; cpu: CpuSnap } | undefined;
  readonly done = new Set<string>();
  killedFor: string | undefined;
  private lastEvent = Date.now();
  private pids: number[] = [];

  constructor(
    private readonly step: Step,
    private readonly report: (r: OpResult) => void,
    private readonly deadline: number,
    /** The browser's processes now. */
    private readonly browserPids: () => number[],
    /** Longest time without an op under way (launch, page load, connect, warm-up, set-up between ops). */
    private readonly idleLimitMs = 90_000,
  ) {}

  begin(op: string): void {
    this.pids = this.browserPids();
    const rss = rssOf(this.pids);
    const limit = opLimitMs(this.step.size) * (this.step.group === "objstore" ? 1 : 2);
    this.current = { op, start: Date.now(), limit, baseRss: rss, peakRss: rss, cpu: cpuSnap() };
    this.lastEvent = Date.now();
  }

  end(r: OpResult): void {
    const c = this.current;
    if (c) {
      r.foreignCores = Number(foreignCores(c.cpu, cpuSnap()).toFixed(2));
      c.peakRss = Math.max(c.peakRss, rssOf(this.pids));
      r.mem = { browserRssGrowth: c.peakRss - c.baseRss };
    }
    this.current = undefined;
    this.lastEvent = Date.now();
    this.done.add(r.op);
    this.report(r);
  }

  /** Samples memory; returns why the browser must be killed now, if it must. */
  tick(): string | undefined {
    const c = this.current;
    if (c) {
      c.peakRss = Math.max(c.peakRss, rssOf(this.pids));
      if (Date.now() - c.start > c.limit) this.killedFor ??= `killed after ${Math.round(c.limit / 1000)} s (time limit)`;
    } else if (Date.now() - this.lastEvent > this.idleLimitMs) {
      this.killedFor ??= `killed: no op started within ${this.idleLimitMs / 1000} s (launch, connect or warm-up stuck)`;
    }
    if (Date.now() > this.deadline) this.killedFor ??= "killed: global time limit of the run";
    return this.killedFor;
  }

  /** Records the op under way and the ops never run as failed. */
  finish(failure: string | undefined): void {
    const why = this.killedFor ?? failure;
    const c = this.current;
    if (c) {
      this.report({ op: c.op, ok: false, bytes: 0, ms: Date.now() - c.start, mbps: 0, error: why ?? "browser closed", mem: { browserRssGrowth: c.peakRss - c.baseRss } });
      this.done.add(c.op);
      this.current = undefined;
    } else if (why && this.done.size === 0 && this.step.ops.length === 0) {
      this.report({ op: "(task)", ok: false, bytes: 0, ms: 0, mbps: 0, error: why });
    }
    for (const op of this.step.ops) if (!this.done.has(op)) this.report({ op, ok: false, bytes: 0, ms: 0, mbps: 0, error: why ? `not run: ${why}` : "not run" });
  }
}

/** Our processes that are not nats-server (nor its children): the browser and its helpers (and Xvfb, the driver). */
const browserTree = (): number[] => descendants(process.pid, [...servers.values(), ...(endpoints ? [endpoints.leaf] : [])].map((s) => s.pid));

/** Firefox or WebKit held by its driver (test/harness/engines.ts), launched for this one task. */
async function runEngineDrivenStep(step: Step, engine: Engine, origin: string, url: string, report: (r: OpResult) => void, deadline: number): Promise<void> {
  const watch = new OpWatch(step, report, deadline, browserTree);
  let page: EnginePage | undefined;
  let failure: string | undefined;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= page ? withTimeout(page.close(), 20_000, `${engine} close`).catch((e: Error) => console.log(`  # ${e.message}`)) : Promise.resolve());
  const timer = setInterval(() => {
    if (watch.tick()) void close();
  }, 100);
  try {
    page = await withTimeout(launchPage(engine, { log: (line) => console.log(`  # ${engine}: ${line.split("\n")[0]}`) }), 90_000, `${engine} launch`);
    browserVersions[engine] ??= page.version;
    const p = page;
    await p.expose("__benchBegin", async (op: string) => watch.begin(op));
    await p.expose("__benchEnd", async (r: OpResult) => watch.end(r));
    await p.goto(`${origin}/index.html`, 30_000);
    await p.waitForFunction(() => "__bench" in globalThis, 30_000);
    const arg = [step.task, url, inWorker(step.runtime)] as unknown as Arg;
    const run = p.evaluate((a) => {
      const [task, u, worker] = a as unknown as [unknown, string, boolean];
      return (globalThis as unknown as { __bench: { run(t: unknown, u: string, w: boolean): Promise<void> } }).__bench.run(task, u, worker);
    }, arg);
    // a killed browser does not always reject the pending evaluate: stop waiting when the watch kills it
    await Promise.race([run, new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (!watch.killedFor) return;
        clearInterval(t);
        resolve();
      }, 100);
      void run.finally(() => clearInterval(t)).catch(() => undefined);
    })]);
  } catch (e) {
    failure = `page failed: ${(e as Error).message.split("\n")[0]}`;
  } finally {
    clearInterval(timer);
    await close();
    killStrays();
  }
  watch.finish(failure);
}

/** Browser versions as the drivers report them (driver-free runs ask the binaries). */
const browserVersions: Partial<Record<Engine, string>> = {};

/** A command line that starts a browser with just `url` (and a throw-away profile in `profile`). */
function freeCommand(engine: Engine, url: string, profile: string): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  const env = { ...process.env, HOME: profile, XDG_CONFIG_HOME: join(profile, "config"), XDG_CACHE_HOME: join(profile, "cache"), XDG_DATA_HOME: join(profile, "data") };
  if (engine === "chromium") {
    // --expose-gc: the page collects garbage before each op (page-entry.ts), as the driven runs do over CDP
    return { cmd: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, "--js-flags=--expose-gc", url], env };
  }
  if (engine === "firefox") {
    writeFileSync(join(profile, "user.js"), Object.entries(FIREFOX_PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join("\n") + "\n");
    return { cmd: FIREFOX_PATH, args: ["--headless", "--no-remote", "--profile", profile, url], env };
  }
  // WebKitGTK's MiniBrowser has no headless mode: an X server of its own (xvfb-run -a), as engines.ts does
  return { cmd: "xvfb-run", args: ["-a", "-s", "-screen 0 1280x1024x24", MINIBROWSER_PATH, url], env };
}

/** A fresh Firefox profile: no first-run pages, no traffic of the browser's own (the engines.ts prefs and more). */
const FIREFOX_PREFS: Record<string, string | boolean | number> = {
  "app.update.enabled": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  "browser.startup.homepage_override.mstone": "ignore",
  "browser.aboutwelcome.enabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "datareporting.healthreport.uploadEnabled": false,
  "toolkit.telemetry.reportingpolicy.firstRun": false,
  "browser.newtabpage.enabled": false,
  "extensions.update.enabled": false,
  "browser.tabs.warnOnClose": false,
};

/**
 * Any engine without a driver: the browser is started with the page's URL and a throw-away profile, the page
 * runs its task and posts every event to the bench's HTTP server; the host only kills the browser (its
 * process group) when the task is done or an op is over its time limit.
 */
async function runFreeStep(step: Step, engine: Engine, web: { origin: string; runs: Map<string, FreeRun> }, url: string, report: (r: OpResult) => void, deadline: number): Promise<void> {
  const token = `t${process.pid}-${++freeSeq}`;
  const profile = mkdtempSync(join(tmpdir(), `bench-${engine}-`));
  let child: ChildProcess | undefined;
  const watch = new OpWatch(step, report, deadline, () => (child?.pid ? [child.pid, ...descendants(child.pid)] : []));
  let failure: string | undefined;
  let settle: (() => void) | undefined;
  const settled = new Promise<void>((r) => (settle = r));
  web.runs.set(token, {
    run: { task: step.task, url, worker: inWorker(step.runtime) },
    async onEvent(ev) {
      if (ev.type === "begin") watch.begin(ev.op);
      else if (ev.type === "end") watch.end(ev.result);
      else if (ev.type === "log") console.log(`  # ${engine}: ${ev.line.split("\n")[0]}`);
      else {
        if (ev.type === "error") failure = `page failed: ${ev.error.split("\n")[0]}`;
        settle!();
      }
    },
  });
  const { cmd, args, env } = freeCommand(engine, `${web.origin}/index.html?run=${token}`, profile);
  let stderr = "";
  try {
    child = spawn(cmd, args, { detached: true, stdio: ["ignore", "ignore", "pipe"], env });
    child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.once("exit", (code, signal) => {
      failure ??= `browser exited (${signal ?? code}) before the task was done${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-1)[0]}` : ""}`;
      settle!();
    });
    child.once("error", (e) => {
      failure ??= `cannot start ${cmd}: ${e.message}`;
      settle!();
    });
    const timer = setInterval(() => {
      if (watch.tick()) settle!();
    }, 100);
    await settled;
    clearInterval(timer);
  } finally {
    web.runs.delete(token);
    await killGroup(child);
    rmSync(profile, { recursive: true, force: true });
  }
  watch.finish(failure);
}
let freeSeq = 0;

/** Kills a detached child's process group and waits (≤ 5 s, then SIGKILL) for the child to exit. */
async function killGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* gone */
    }
  };
  kill("SIGTERM");
  const t = setTimeout(() => kill("SIGKILL"), 5_000);
  await gone;
  clearTimeout(t);
  // helpers that left the group (e.g. a browser's zygote) but are still ours
  await new Promise((r) => setTimeout(r, 200));
  killStrays();
}

/**
 * After a browser task: kill what is left of the browser (a driver that failed to close it, helpers that
 * outlived it). Only our own descendants, by pid, never nats-server nor a playwright-core Chromium still in use.
 */
function killStrays(): void {
  const keep = [...servers.values()].map((s) => s.pid);
  for (const pid of descendants(process.pid, keep)) {
    const cmd = cmdline(pid);
    if (chromiumInUse && /chromium|chrome/.test(cmd)) continue;
    if (!/firefox|MiniBrowser|WebKit|Xvfb|xvfb-run|chromium|chrome/.test(cmd)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
}
/** True while the playwright-core Chromium of the driven Chromium runs is up. */
let chromiumInUse = false;
/** The nats-servers of the run, by WebSocket compression setting. */
const servers = new Map<boolean, NatsServer>();
/** The compression-on server's uncompressed endpoints (lib/leaf.ts): its leaf node and the deflate-stripping proxy. */
let endpoints: { leaf: NatsServer; proxy: StripProxy } | undefined;

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

/** One table of the results: a runtime, how its browser ran, and the server's compression. */
interface Conf { runtime: Runtime; launch?: Launch | undefined; compression: boolean }
const sameConf = (a: Conf, b: Conf) => a.runtime === b.runtime && a.launch === b.launch && a.compression === b.compression;
const launchTitle = (l: Launch | undefined) => (l === "free" ? "driver-free" : l === "driven" ? "driven" : "");
const confTitle = (c: Conf) => `${RT_TITLE[c.runtime]}${c.launch ? `, ${launchTitle(c.launch)}` : ""}, WebSocket compression ${c.compression ? "on" : "off"}`;
/** The main setting of a runtime: the targets are checked there. */
const isMainConf = (c: Conf) => c.compression === compressions[0] && (c.runtime === "node" || c.launch === launches[0]);

/** Which memory figures a table shows: Node RSS; driven Chromium over CDP; else the browser processes' RSS. */
function memOf(c: Conf): { key: string; key2?: string; title: string } {
  if (c.runtime === "node") return { key: "rssGrowth", title: "mem (RSS)" };
  if (c.launch === "driven" && c.runtime === "chromium") {
    return { key: "jsLiveGrowth", key2: "jsGrowth", title: "mem (JS heap+ArrayBuffers: live, a GC each second / sampled without GC)" };
  }
  if (c.launch === "driven" && c.runtime === "worker") return { key: "rendererRssGrowth", title: "mem (renderer RSS)" };
  return { key: "browserRssGrowth", title: "mem (browser processes' RSS)" };
}

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
  objstore: (Conf & { size: number; label: string; put: Cell; get: Cell })[];
  ratios: (Conf & { size: number; op: "put" | "get"; vs: string; ratio: number })[];
  /** Per table: the best publish and read ceilings of the same run. */
  ceilings: (Conf & { publish: number; read: number })[];
  targets: { target: string; met: boolean | null; detail: string }[];
  markdown: string;
}

const fcOf = (rows: Row[]) => rows.map((r) => r.foreignCores as number | undefined).filter((x): x is number => typeof x === "number");
const best = (rows: Row[], prefix: string) => {
  // the server's own ceilings (not those through a leaf node or proxy: "ceiling [leaf]")
  const ok = rows.filter((r) => r.group === "ceiling" && r.label === "ceiling" && r.ok && r.op.startsWith(prefix));
  return ok.length ? Math.max(...ok.map((r) => r.mbps)) : NaN;
};

function summarize(allRows: Row[], meta: Record<string, unknown>): Summary {
  const rows = allRows.filter((r) => !r.discarded);
  const discarded = allRows.length - rows.length;
  const lines: string[] = [];
  const out: Summary = { objstore: [], ratios: [], ceilings: [], targets: [], markdown: "" };
  lines.push(`# Object store benchmark (${mode})`, "");
  lines.push(`${meta.date} · ${meta.cpu} · ${meta.cores} cores · ${meta.memGiB} GiB · Node ${meta.node} · ${meta.browsers} · nats-server ${meta.natsServer}${meta.natsGo && meta.natsGo !== "–" ? ` · nats.go ${meta.natsGo}` : ""} (file storage, loopback WebSocket${compressions.length > 1 ? ", compression off and on" : compressions[0] ? ", compression on" : ""}; Node rows marked tcp over TCP) · src at ${meta.commit}`, "");
  const fc = fcOf(rows);
  lines.push(`Machine shared with other work: during the measured ops other processes used ${fmt(median(fc), 2)} cores (median), ${fmt(Math.max(0, ...fc), 2)} at most; ${discarded} op results were discarded and their task re-run because others used more than ${busyCores} cores meanwhile.`, "");
  lines.push("MB/s = 10^6 bytes/s, median of the rounds that succeeded (`k/n ok` when some failed). Browsers: driver-free = started with just the page's URL, results posted to the bench's HTTP server, no debugging client attached; driven = held by playwright-core (Chromium, CDP), puppeteer-core (Firefox, WebDriver BiDi) or WebKitWebDriver (WebKit) while the ops run. Memory: growth over the value right before the op (after a GC where the runtime allows one), worst round, MiB — Node: RSS (VmHWM); driven Chromium page: JS heap + ArrayBuffer backing stores (CDP Runtime.getHeapUsage / Performance.getMetrics, sampled every 100 ms) / renderer processes' RSS; driven Chromium Worker: renderer RSS; every other browser table: the summed RSS of the browser's processes, sampled every 100 ms.", "");

  const confs: Conf[] = [];
  for (const runtime of runtimes) {
    for (const compression of compressions) {
      for (const launch of runtime === "node" ? [undefined] : launches) {
        const c: Conf = { runtime, launch, compression };
        if (rows.some((r) => sameConf(r, c))) confs.push(c);
      }
    }
  }
  const overview: string[] = [];
  for (const conf of confs) {
    const rtRows = rows.filter((r) => sameConf(r, conf));
    const rt = conf.runtime;
    lines.push(`## ${confTitle(conf)}`, "");
    const os = rtRows.filter((r) => r.group === "objstore");
    const rtSizes = [...new Set(os.map((r) => r.size))].sort((a, b) => a - b);
    const mem = memOf(conf);
    const memCol = (c: Cell) => (mem.key2 ? `${mib(c.memMax)} / ${mib(c.mem2Max)}` : mib(c.memMax));
    const ceilings = { publish: best(rtRows, "publish"), read: best(rtRows, "read") };
    out.ceilings.push({ ...conf, ...ceilings });
    if (os.length) {
      lines.push(`| size | client | put MB/s | get MB/s | put vs nats.ws | put vs @nats-io/obj | get vs nats.ws | get vs @nats-io/obj | put ${mem.title} | get ${mem.title} |`);
      lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
      for (const size of rtSizes) {
        const labels = [...new Set(os.filter((r) => r.size === size).map((r) => r.label))];
        const get = (label: string, op: string) => cell(os.filter((r) => r.size === size && r.label === label && r.op === op), mem.key, mem.key2);
        const base = { natsws: { put: get("natsws", "put"), get: get("natsws", "get") }, obj: { put: get("obj", "put"), get: get("obj", "get") } };
        // TCP rows are compared with @nats-io/obj over TCP, where it ran
        const objTcp = { put: get("obj [tcp]", "put"), get: get("obj [tcp]", "get") };
        for (const label of labels) {
          const put = get(label, "put");
          const g = get(label, "get");
          const obj = label.includes("tcp]") && objTcp.put.n ? objTcp : base.obj;
          out.objstore.push({ ...conf, size, label, put, get: g });
          const rtext = (a: Cell, b: Cell) => {
            if (!a.n || label === "natsws" || label === "obj" || label.startsWith("natsws") || label.startsWith("obj")) return "";
            if (!b.ok) return b.n ? "peer failed" : "";
            return `${fmt(ratio(a, b), 1)}x`;
          };
          if (label === "ours") {
            for (const [vs, b] of Object.entries(base)) {
              for (const op of ["put", "get"] as const) {
                const a = op === "put" ? put : g;
                out.ratios.push({ ...conf, size, op, vs, ratio: b[op].ok ? ratio(a, b[op]) : Infinity });
              }
            }
            overview.push(overviewRow(conf, size, { ours: put, natsws: base.natsws.put, obj: base.obj.put }, { ours: g, natsws: base.natsws.get, obj: base.obj.get }, ceilings, fcOf(rtRows)));
          }
          lines.push(`| ${sizeLabel(size)} | ${label} | ${cellText(put)} | ${cellText(g)} | ${rtext(put, base.natsws.put)} | ${rtext(put, obj.put)} | ${rtext(g, base.natsws.get)} | ${rtext(g, obj.get)} | ${put.n ? memCol(put) : ""} | ${g.n ? memCol(g) : ""} |`);
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
      for (const r of ceil) lines.push(`| ${r.label === "ceiling" ? "" : `${r.label.replace("ceiling ", "")} `}${r.op} | ${r.ok ? fmt(r.mbps) : `FAILED: ${r.error}`} | ${mib(r.mem?.[mem.key])} |`);
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
  if (overview.length) {
    // the overview goes first: every runtime / launch / compression, ours vs the official clients and the ceilings
    const head = [
      "## Overview: ours vs @nats-io/obj and vs the ceilings of the same run", "",
      "Per table: put and get MB/s of ours / nats.ws / @nats-io/obj; ours as a multiple of @nats-io/obj; ours as a share of the best raw publish (put) or read (get) ceiling measured in the same table (the ceiling in brackets, MB/s); the CPU other processes used during its ops (cores, median / max).", "",
      "| size | runtime | browser | compression | put ours / nats.ws / obj | put vs obj | put / publish ceiling | get ours / nats.ws / obj | get vs obj | get / read ceiling | others' CPU |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ];
    lines.splice(8, 0, ...head, ...overview, "");
  }

  // targets, in each runtime's main setting
  if (mode !== "study") {
    const T = out.targets;
    const big = sizes.includes(256 * MiB) ? 256 * MiB : Math.max(...sizes);
    for (const conf of confs.filter(isMainConf)) {
      const rt = conf.runtime;
      const name = conf.launch ? `${rt} (${launchTitle(conf.launch)})` : rt;
      for (const op of ["put", "get"] as const) {
        const rs = out.ratios.filter((r) => sameConf(r, conf) && r.size === big && r.op === op);
        if (rs.length === 0) continue;
        const min = Math.min(...rs.map((r) => r.ratio));
        T.push({ target: `${name} ${op} >= 3x both official clients at ${sizeLabel(big)}`, met: Number.isFinite(min) || min === Infinity ? min >= 3 : false,
          detail: rs.map((r) => `${r.vs}: ${r.ratio === Infinity ? "peer failed" : `${fmt(r.ratio, 2)}x`}`).join(", ") });
      }
      const bestPub = out.ceilings.find((c) => sameConf(c, conf))?.publish ?? NaN;
      const ours = out.objstore.find((o) => sameConf(o, conf) && o.size === big && o.label === "ours");
      if (ours && Number.isFinite(bestPub)) {
        const frac = ours.put.median / bestPub;
        T.push({ target: `${name} put >= 60% of the raw publish ceiling`, met: frac >= 0.6, detail: `${fmt(ours.put.median)} / ${fmt(bestPub)} MB/s = ${fmt(frac * 100)}%` });
      }
      const gib = out.objstore.find((o) => sameConf(o, conf) && o.size === 1024 * MiB && o.label === "ours");
      if (gib) {
        const okAll = gib.put.ok === gib.put.n && gib.get.ok === gib.get.n && gib.put.n > 0;
        const limit = rt === "node" ? 64 * MiB : 128 * MiB;
        const growth = Math.max(gib.put.memMax ?? Infinity, gib.get.memMax ?? Infinity);
        const what = rt === "node" ? "RSS" : memOf(conf).key === "jsLiveGrowth" ? "live JS heap (incl. ArrayBuffers)" : memOf(conf).key === "rendererRssGrowth" ? "renderer RSS" : "browser processes' RSS";
        T.push({ target: `${name} 1 GiB completes, ${what} growth < ${limit / MiB} MiB`, met: okAll && growth < limit,
          detail: `put ${gib.put.ok}/${gib.put.n} ok, get ${gib.get.ok}/${gib.get.n} ok; growth put ${mib(gib.put.memMax)} MiB, get ${mib(gib.get.memMax)} MiB${memOf(conf).key2 ? ` (sampled without GC: put ${mib(gib.put.mem2Max)}, get ${mib(gib.get.mem2Max)})` : ""}` });
      }
      const noop = out.objstore.find((o) => sameConf(o, conf) && o.label === "ours [no-op put hash]");
      const real = out.objstore.find((o) => sameConf(o, conf) && o.size === noop?.size && o.label === "ours");
      if (noop && real) {
        const hashRow = rows.find((r) => sameConf(r, conf) && r.group === "hash" && r.op === "sha256 default");
        const H = hashRow?.mbps ?? NaN;
        const P0 = noop.put.median;
        const serial = 1 / (1 / P0 + 1 / H);
        const overlap = real.put.median >= 0.9 * P0 || real.put.median > serial * 1.1;
        T.push({ target: `${name} put hashing overlaps I/O`, met: overlap,
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

const ratio = (a: Cell, b: Cell) => (a.ok && b.ok ? a.median / b.median : NaN);

/** One line of the overview table. */
function overviewRow(conf: Conf, size: number, put: Record<"ours" | "natsws" | "obj", Cell>, get: Record<"ours" | "natsws" | "obj", Cell>,
  ceil: { publish: number; read: number }, fc: number[]): string {
  const three = (c: Record<"ours" | "natsws" | "obj", Cell>) => `${cellText(c.ours) || "–"} / ${cellText(c.natsws) || "–"} / ${cellText(c.obj) || "–"}`;
  const vs = (a: Cell, b: Cell) => (!a.ok ? "–" : !b.ok ? "obj failed" : `${fmt(ratio(a, b), 2)}x`);
  const share = (a: Cell, c: number) => (a.ok && Number.isFinite(c) ? `${fmt((100 * a.median) / c)}% (${fmt(c)})` : "–");
  const engineName = RT_TITLE[conf.runtime].split(",")[0]!.replace(/ \(.*\)/, "") + (inWorker(conf.runtime) ? " Worker" : conf.runtime === "node" ? "" : " page");
  return `| ${sizeLabel(size)} | ${engineName} | ${launchTitle(conf.launch) || "–"} | ${conf.compression ? "on" : "off"} | ${three(put)} | ${vs(put.ours, put.obj)} | ${share(put.ours, ceil.publish)} | ${three(get)} | ${vs(get.ours, get.obj)} | ${share(get.ours, ceil.read)} | ${fmt(median(fc), 2)} / ${fmt(Math.max(0, ...fc), 2)} |`;
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
  const head = ["runtime", "browser", "compr.", "size", "client", "put MB/s", "get MB/s", "put mem MiB", "get mem MiB"];
  const data = s.objstore.map((o) => [o.runtime, launchTitle(o.launch), o.compression ? "on" : "off", sizeLabel(o.size), o.label, cellText(o.put), cellText(o.get), mib(o.put.memMax), mib(o.get.memMax)]);
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

/** The browsers of the run, with their versions as their binaries or packages give them. */
function browserVersionsOf(rts: readonly Runtime[]): string {
  const engines = [...new Set(rts.map(engineOf).filter((e): e is Engine => e !== undefined))];
  return engines.map((e) => e === "chromium" ? sh(CHROMIUM_PATH, ["--version"]).replace(/ built on.*/, "")
    : e === "firefox" ? sh(FIREFOX_PATH, ["--version"]).replace(/^Mozilla /, "")
    : `WebKitGTK ${sh("dpkg-query", ["-W", "-f=${Version}", "libwebkit2gtk-4.1-0"])} (MiniBrowser)`).join(" · ") || "no browser";
}

/**
 * A nats-server of the run: the harness's template (`nats-server.conf`: WebSocket without compression), or
 * with `compression: true` in its `websocket { }` block (a second block through `config` would replace the
 * whole block, listen port included).
 */
async function startServer(compression: boolean, hub: Pick<NatsServerOptions, "config" | "jetstreamConfig"> = {}): Promise<NatsServer> {
  return compression ? startCompressedServer(hub) : startNatsServer(hub);
}

async function main(): Promise<void> {
  const started = Date.now();
  const deadline = started + globalLimitMs;
  const meta = {
    mode, date: new Date().toISOString(), cpu: cpus()[0]?.model ?? "?", cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version, browsers: browserVersionsOf(runtimes),
    natsServer: server0.version,
    commit: `${sh("git", ["-C", BENCH_DIR, "rev-parse", "--short", "HEAD"])}${sh("git", ["-C", BENCH_DIR, "status", "--porcelain", "--", "../src"]) ? " + uncommitted src changes" : ""}`,
    sizes, runtimes, compression: compressions.map((c) => (c ? "on" : "off")), launch: launches,
    opLimit: "15 s + size at 10 MB/s (ceilings and hashing: twice that)",
  };
  console.log(`bench (${mode}): ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, ${meta.browsers}, nats-server ${meta.natsServer}; ` +
    `WebSocket compression ${meta.compression.join(" + ")}; browsers ${launches.map(launchTitle).join(" + ")}`);
  for (const e of new Set(runtimes.map(engineOf))) {
    const missing = e ? engineMissing(e) : [];
    if (missing.length) throw new Error(`${e}: not installed (${missing.join(", ")}); run ENGINES=firefox,webkit node scripts/setup.mjs test`);
  }
  const { nodeTask, pageDir } = await buildBundles();
  const go = mode !== "study" && runtimes.includes("node") ? buildGoBench() : undefined;
  if (go && "missing" in go) console.log(`  # no nats.go row: ${go.missing}`);
  (meta as Record<string, unknown>).natsGo = go && "bin" in go ? go.version : "–";
  const steps = mode === "study" ? studyPlan() : mainPlan(go);
  if (flag("--dry-run")) {
    // the plan only: how many tasks (and MiB moved by measured ops) per runtime, browser launch and compression
    const count = new Map<string, { tasks: number; mib: number }>();
    for (const st of steps) {
      const key = `${st.runtime}${st.launch ? ` ${launchTitle(st.launch)}` : ""}, compression ${st.compression ? "on" : "off"}`;
      const c = count.get(key) ?? { tasks: 0, mib: 0 };
      c.tasks++;
      c.mib += (st.ops.length || 1) * st.size / MiB;
      count.set(key, c);
    }
    for (const [key, c] of count) console.log(`  ${key}: ${c.tasks} tasks, ${c.mib} MiB`);
    console.log(`${steps.length} tasks (--dry-run: nothing run)`);
    return;
  }
  const rows: Row[] = [];
  for (const c of compressions) {
    // the compression-on server is the hub of the uncompressed endpoints' rows (lib/leaf.ts)
    const hubPort = c && uncompressedPuts ? await leafPort() : 0;
    const srv = await startServer(c, hubPort ? { config: hubLeafConfig(hubPort), jetstreamConfig: hubJetStreamConfig } : {});
    servers.set(c, srv);
    console.log(`nats-server (WebSocket compression ${c ? "on" : "off"}) pid ${srv.pid} at ${srv.url}`);
    if (hubPort) {
      const leaf = await startLeaf(hubPort);
      const proxy = await startStripProxy(srv.wsPort);
      endpoints = { leaf, proxy };
      console.log(`  its leaf node (no JetStream, WebSocket compression off) pid ${leaf.pid} at ${leaf.url}; deflate-stripping proxy at ${proxy.url}`);
    }
  }
  console.log(`${steps.length} tasks`);
  let web: Awaited<ReturnType<typeof serve>> | undefined;
  let browser: Browser | undefined;
  let restarts = 0;
  try {
    // nats-server 2.9.10 does not give back the account's storage usage when a stream is purged by subject
    // (what every put that replaces an object, and every delete, does): the usage only grows until the
    // server restarts, and writes then fail with "insufficient resources" (max_file_store). Watch it between
    // tasks and restart the server (same ports, same store) before it gets near the limit.
    const storageUsed = async (server: NatsServer): Promise<number> => {
      const nc = await tcpConnect({ servers: server.natsUrl, maxReconnectAttempts: 0 });
      try {
        return (await (await jetstreamManager(nc)).getAccountInfo()).storage;
      } finally {
        await nc.close();
      }
    };
    for (const [i, step] of steps.entries()) {
      const server = servers.get(step.compression)!;
      // the WebSocket URL of the step: the server's, or for a ceiling through an uncompressed endpoint that one's
      const ep = step.endpoint && endpoints ? { leaf: endpoints.leaf.url, proxy: endpoints.proxy.url }[step.endpoint] : undefined;
      const wsUrl = step.group === "ceiling" && ep ? ep : server.url;
      if (step.task.kind === "objstore" && ep) step.task.putUrl = ep;
      for (let attempt = 0; ; attempt++) {
        const stepRows: Row[] = [];
        const where = `${step.runtime}${step.launch === "driven" ? "*" : ""}${step.compression ? "+z" : ""}`;
        const report = (r: OpResult) => {
          const row: Row = { ...r, load1: Number(loadavg()[0]!.toFixed(2)), runtime: step.runtime, launch: step.launch, compression: step.compression, ws: step.ws,
            group: step.group, label: step.label, size: step.size, round: step.round, client: step.task.kind === "objstore" ? step.task.client : undefined };
          rows.push(row);
          stepRows.push(row);
          const m = r.mem;
          const mem = !m ? "" : step.runtime === "node" ? ` rss+${mib(m.rssGrowth)}MiB` : "browserRssGrowth" in m ? ` browser+${mib(m.browserRssGrowth)}MiB`
            : ` js live+${mib(m.jsLiveGrowth)}MiB sampled+${mib(m.jsGrowth)}MiB renderer+${mib(m.rendererRssGrowth)}MiB`;
          console.log(`  ${where.padEnd(16)} ${sizeLabel(step.size).padStart(7)} ${step.label.padEnd(22)} ${r.op.padEnd(34)} ${r.ok ? `${fmt(r.mbps).padStart(5)} MB/s ${fmt(r.ms / 1000, 2)} s` : `FAILED ${r.error}`}${mem}${typeof r.foreignCores === "number" && r.foreignCores >= 0.3 ? ` [others used ${r.foreignCores} cores]` : ""}`);
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
        const engine = engineOf(step.runtime);
        if (step.task.kind === "objstore" && step.task.client === "natsgo" && go && "bin" in go) {
          await runGoStep(step, go.bin, server.natsUrl, report, deadline);
        } else if (!engine) {
          await runNodeStep(step, nodeTask, tcp ? server.natsUrl : wsUrl, report, deadline);
        } else {
          web ??= await serve(pageDir);
          if (step.launch === "free") {
            await runFreeStep(step, engine, web, wsUrl, report, deadline);
          } else if (engine === "chromium") {
            if (!browser) {
              const { chromium } = await import("playwright-core");
              browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
              chromiumInUse = true;
            }
            await runChromiumStep(step, browser, web.origin, wsUrl, report, deadline);
          } else {
            await runEngineDrivenStep(step, engine, web.origin, wsUrl, report, deadline);
          }
        }
        // A task during which other processes used much CPU measured them too: run it again (at most
        // --busy-retries times); the disturbed rows are kept in the JSON, marked, and left out of medians.
        const busy = stepRows.filter((r) => (r.foreignCores as number | undefined ?? 0) > busyCores);
        if (busy.length === 0 || attempt >= busyRetries || Date.now() > deadline) break;
        for (const r of stepRows) r.discarded = `others used ${Math.max(...busy.map((b) => b.foreignCores as number))} cores; task run again`;
        console.log(`  # disturbed by other processes: running ${step.label} again`);
      }
      const used = await storageUsed(server).catch(() => 0);
      if (used > 8e9) {
        console.log(`  # account storage usage ${fmt(used / 1e9, 1)} GB (leaked by subject purges on this server version): restarting nats-server`);
        await server.restart();
        restarts++;
      }
      if ((i + 1) % 10 === 0) console.log(`  ... ${i + 1}/${steps.length} tasks, ${fmt((Date.now() - started) / 1000)} s`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    chromiumInUse = false;
    if (web) await new Promise<void>((r) => web!.server.close(() => r()));
    for (const [c, server] of servers) {
      if (rows.some((r) => !r.ok && !r.discarded && r.compression === c)) {
        mkdirSync(OUT_DIR, { recursive: true });
        try {
          copyFileSync(join(server.dir, "nats-server.log"), join(OUT_DIR, `${outName}-nats-server${c ? "-compression" : ""}.log`));
        } catch {
          /* no log */
        }
      }
      await server.stop();
    }
    if (endpoints) {
      await endpoints.proxy.close();
      await endpoints.leaf.stop();
      endpoints = undefined;
    }
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
