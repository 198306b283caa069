/**
 * Long tasks on the page during a big transfer: puts and gets one generated Blob (default 256 MiB) from a
 * page (a) with the library on the page's own connection and (b) through the Worker transfer mode
 * (src/worker/), and records the page's long tasks (> 50 ms: count, longest, total; Chromium's
 * PerformanceObserver "longtask") and the longest gap between turns of its event loop (every engine),
 * plus MB/s. Browsers run driver-free, as bench/run.ts's `--launch free` does: started with the page's URL
 * only, the page posts its figures to this script's HTTP server (a debugging driver slows Chromium's
 * WebSocket).
 *
 *   flock /tmp/bench.lock node --import tsx bench/long-tasks.ts [--engines chromium,firefox,webkit] [--size 256] [--rounds 2] [--out long-tasks]
 *   npm run bench:long-tasks
 *
 * Writes bench/results/<out>.{json,md}.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { build } from "esbuild";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../test/harness/chromium.ts";
import { FIREFOX_PATH, MINIBROWSER_PATH, type Engine } from "../test/harness/engines.ts";
import { startNatsServer } from "../test/harness/nats-server.ts";
import { BENCH_DIR, BUILD_DIR } from "./build.ts";
import { cpuSnap, foreignCores, type CpuSnap } from "./lib/cpu.ts";
import type { LongTaskEvent, LongTaskOp, LongTaskRun } from "./long-tasks-page.ts";

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const engines = (opt("--engines") ?? "chromium").split(",") as Engine[];
const sizeMiB = Number(opt("--size") ?? 256);
const rounds = Number(opt("--rounds") ?? 2);
const out = opt("--out") ?? "long-tasks";
/** Time limit of one engine's whole run (launch, warm-up, every op). */
const ENGINE_LIMIT_MS = (90 + rounds * 4 * (15 + sizeMiB / 10)) * 1000;

interface Row extends LongTaskOp {
  engine: Engine;
  /** Cores used by other processes on the machine during the op. */
  foreignCores: number;
}

async function bundle(): Promise<string> {
  const dir = join(BUILD_DIR, "long-tasks");
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [join(BENCH_DIR, "long-tasks-page.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    outfile: join(dir, "lt.js"),
    external: ["crypto", "node:crypto"],
    logLevel: "error",
  });
  writeFileSync(join(dir, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>long tasks</title></head>` +
    `<body><p>long tasks bench</p><script type="module" src="lt.js"></script></body></html>\n`);
  return dir;
}

/** The page bundle, `GET /run.json` and `POST /ev` (handled before the answer, so a "begin" waits for the CPU snapshot). */
function serve(dir: string, run: LongTaskRun, onEvent: (ev: LongTaskEvent) => void) {
  const body = async (req: IncomingMessage) => {
    let text = "";
    for await (const piece of req) text += String(piece);
    return text;
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/run.json") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(run));
    if (path === "/ev" && req.method === "POST") {
      void body(req).then((text) => {
        onEvent(JSON.parse(text) as LongTaskEvent);
        res.writeHead(204).end();
      }, () => res.writeHead(400).end());
      return;
    }
    const file = normalize(join(dir, path === "/" ? "index.html" : path));
    if (!file.startsWith(dir + sep)) return void res.writeHead(403).end();
    try {
      const type = extname(file) === ".html" ? "text/html; charset=utf-8" : "text/javascript; charset=utf-8";
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise<{ origin: string; close(): void }>((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  })));
}

/** A command that starts `engine` with just `url` and a throw-away profile. */
function browserCommand(engine: Engine, url: string, profile: string): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  const env = { ...process.env, HOME: profile, XDG_CONFIG_HOME: join(profile, "config"), XDG_CACHE_HOME: join(profile, "cache") };
  if (engine === "chromium") return { cmd: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, url], env };
  if (engine === "firefox") {
    const prefs = { "browser.shell.checkDefaultBrowser": false, "datareporting.policy.dataSubmissionEnabled": false, "app.update.enabled": false,
      "browser.aboutwelcome.enabled": false, "browser.startup.homepage_override.mstone": "ignore", "toolkit.telemetry.reportingpolicy.firstRun": false };
    writeFileSync(join(profile, "user.js"), Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join("\n") + "\n");
    return { cmd: FIREFOX_PATH, args: ["--headless", "--no-remote", "--profile", profile, url], env };
  }
  return { cmd: "xvfb-run", args: ["-a", "-s", "-screen 0 1280x1024x24", MINIBROWSER_PATH, url], env };
}

/** Runs the page in `engine` until it is done; kills the browser's process group (ours, by its id) after. */
async function runEngine(engine: Engine, dir: string, url: string): Promise<{ rows: Row[]; info?: LongTaskEvent; failure?: string }> {
  const rows: Row[] = [];
  let info: LongTaskEvent | undefined;
  let failure: string | undefined;
  let snap: CpuSnap | undefined;
  let done = false;
  let resolveFinished!: () => void;
  const finished = new Promise<void>((r) => (resolveFinished = r));
  const finish = () => {
    done = true;
    resolveFinished();
  };
  const web = await serve(dir, { url, sizeMiB, rounds }, (ev) => {
    if (ev.type === "begin") snap = cpuSnap();
    else if (ev.type === "op") {
      const row: Row = { ...ev.result, engine, foreignCores: snap ? foreignCores(snap, cpuSnap()) : NaN };
      rows.push(row);
      console.log(`  ${engine} ${row.mode.padEnd(6)} ${row.op} r${row.round}: ${row.mbps.toFixed(1)} MB/s, long tasks ${fmtLong(row)}, longest gap ${row.gaps.longestMs.toFixed(0)} ms${row.gaps.at.length ? ` (> 50 ms at ${row.gaps.at.join(", ")} ms)` : ""}, others ${row.foreignCores.toFixed(2)} cores`);
    } else if (ev.type === "info") {
      info = ev;
      console.log(`  ${engine}: ${ev.userAgent}; longtask entries: ${ev.longTaskSupported}; transferable streams: ${ev.transferableStreams}`);
    } else {
      if (ev.type === "error") failure = ev.error;
      finish();
    }
  });
  const profile = mkdtempSync(join(tmpdir(), `lt-${engine}-`));
  const { cmd, args, env } = browserCommand(engine, `${web.origin}/index.html`, profile);
  let child: ChildProcess | undefined;
  const timer = setTimeout(() => {
    failure ??= `time limit (${ENGINE_LIMIT_MS / 1000} s) reached`;
    finish();
  }, ENGINE_LIMIT_MS);
  try {
    child = spawn(cmd, args, { detached: true, stdio: "ignore", env });
    child.once("exit", (code, signal) => {
      if (!done) failure ??= `browser exited (${signal ?? code}) before the page was done`;
      finish();
    });
    await finished;
  } finally {
    clearTimeout(timer);
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once("exit", r));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch { /* gone */ }
      const kill = setTimeout(() => {
        try {
          process.kill(-child!.pid!, "SIGKILL");
        } catch { /* gone */ }
      }, 5000);
      await gone;
      clearTimeout(kill);
    }
    web.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return { rows, info, failure };
}

const fmtLong = (r: LongTaskOp) => (r.longTasks ? `${r.longTasks.count} (longest ${r.longTasks.longestMs.toFixed(0)} ms, total ${r.longTasks.totalMs.toFixed(0)} ms)` : "n/a");
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One line per engine, mode and op: medians of MB/s, worst of the long-task figures over the rounds. */
function table(rows: Row[]): string {
  const lines = [
    "| engine | mode | op | MB/s (median) | long tasks: count | longest | total | longest event-loop gap | gaps > 50 ms | others' cores |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const keys = [...new Set(rows.map((r) => `${r.engine}|${r.mode}|${r.op}`))];
  for (const key of keys) {
    const rs = rows.filter((r) => `${r.engine}|${r.mode}|${r.op}` === key);
    const [engine, mode, op] = key.split("|");
    const lt = rs.every((r) => r.longTasks) ? rs.map((r) => r.longTasks!) : undefined;
    const worst = (f: (x: NonNullable<LongTaskOp["longTasks"]>) => number) => (lt ? Math.max(...lt.map(f)) : NaN);
    const cell = (v: number, unit = "") => (Number.isNaN(v) ? "n/a" : `${v.toFixed(0)}${unit}`);
    lines.push(`| ${engine} | ${mode === "worker" ? "Worker transfer mode" : "library on the page"} | ${op} | ${median(rs.map((r) => r.mbps)).toFixed(1)} | ` +
      `${cell(worst((x) => x.count))} | ${cell(worst((x) => x.longestMs), " ms")} | ${cell(worst((x) => x.totalMs), " ms")} | ` +
      `${Math.max(...rs.map((r) => r.gaps.longestMs)).toFixed(0)} ms | ${Math.max(...rs.map((r) => r.gaps.over50))} | ${median(rs.map((r) => r.foreignCores)).toFixed(2)} |`);
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const dir = await bundle();
  const server = await startNatsServer();
  const all: Row[] = [];
  const notes: string[] = [];
  try {
    console.log(`# long tasks: ${sizeMiB} MiB, ${rounds} round(s), ${engines.join(", ")}; nats-server at ${server.url}`);
    for (const engine of engines) {
      const r = await runEngine(engine, dir, server.url);
      all.push(...r.rows);
      if (r.info?.type === "info") notes.push(`${engine}: ${r.info.userAgent}; longtask entries ${r.info.longTaskSupported ? "yes" : "no"}; transferable ReadableStream ${r.info.transferableStreams ? "yes" : "no"}`);
      if (r.failure) {
        notes.push(`${engine} FAILED: ${r.failure.split("\n")[0]}`);
        console.log(`  ${engine} failed: ${r.failure}`);
      }
    }
  } finally {
    await server.stop();
  }
  const md = [
    `# Long tasks during a ${sizeMiB} MiB put and get (${new Date().toISOString().slice(0, 10)})`, "",
    `Rounds: ${rounds} per mode, interleaved. MB/s = 10^6 bytes/s, median; long-task and gap figures: the worst round. ` +
      "Long tasks: PerformanceObserver \"longtask\" entries (> 50 ms) that began during the op (Chromium only). " +
      "Event-loop gap: the longest time between two turns of a setTimeout(0) loop on the page (includes the 4 ms timer clamp).", "",
    table(all), "", ...notes.map((n) => `- ${n}`), "",
  ].join("\n");
  mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
  writeFileSync(join(BENCH_DIR, "results", `${out}.json`), JSON.stringify({ sizeMiB, rounds, engines, rows: all, notes }, null, 2));
  writeFileSync(join(BENCH_DIR, "results", `${out}.md`), md);
  console.log(`\n${md}`);
  if (all.length === 0 || notes.some((n) => n.includes("FAILED"))) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
