/**
 * CPU profile of one object store op (put or get), in Node (`--cpu-prof` on the task's child process) or
 * in Chromium (CDP Profiler), summarised as the functions with the most self time.
 *
 *   node --import tsx bench/profile.ts --runtime chromium --client ours --size 64 [--op get] [--hasher noop]
 *
 * Writes bench/results/profile-<runtime>-<client>-<op>.cpuprofile (open it in Chrome DevTools) and prints
 * the top 25 self-time entries.
 */
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, extname } from "node:path";
import { buildBundles, BENCH_DIR } from "./build.ts";
import type { Task } from "./lib/tasks.ts";
import { startNatsServer } from "../test/harness/nats-server.ts";
import { selectServerVersion } from "./lib/server-version.ts";

const argv = process.argv.slice(2);
const opt = (n: string, d: string) => {
  const i = argv.indexOf(n);
  return i >= 0 ? argv[i + 1]! : d;
};
const runtime = opt("--runtime", "node");
const client = opt("--client", "ours");
const op = opt("--op", "get") as "put" | "get";
const size = Number(opt("--size", "64")) * 1024 * 1024;
const hasher = opt("--hasher", "");

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[]; startTime: number; endTime: number }

function summarize(p: Profile): string[] {
  const self = new Map<string, number>();
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const counts = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    for (let i = 0; i < p.samples.length; i++) counts.set(p.samples[i]!, (counts.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  }
  let total = 0;
  for (const [id, us] of counts) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const file = f.url.replace(/^.*\//, "");
    const key = `${f.functionName || "(anonymous)"} ${file}${file ? `:${f.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
}

async function main() {
  const { nodeTask, pageDir } = await buildBundles();
  const picked = selectServerVersion(process.argv.slice(2));
  const server = await startNatsServer();
  console.log(`nats-server ${picked.version} (${picked.bin})`);
  const task: Task = {
    kind: "objstore", client: client as "ours", label: client, size, bucket: `prof_${process.pid}`,
    ops: op === "get" ? ["put", "get"] : ["put"],
    ...(hasher ? { putHasher: hasher as "noop", getHasher: hasher as "noop" } : {}),
  };
  mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
  const out = join(BENCH_DIR, "results", `profile-${runtime}-${client}-${op}.cpuprofile`);
  let profile: Profile | undefined;
  try {
    if (runtime === "node") {
      // the whole child is profiled; only the op's time matters, so the put is skipped from the summary by
      // profiling a get after a put: both are in the profile (say so).
      const dir = mkdtempSync(join(tmpdir(), "cpuprof-"));
      await new Promise<void>((resolve) => {
        const child = fork(nodeTask, [JSON.stringify({ task, url: server.url, websocket: "undici" })], {
          execArgv: ["--expose-gc", "--experimental-websocket", "--no-warnings", "--cpu-prof", `--cpu-prof-dir=${dir}`],
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        child.on("message", (m: { type: string; result?: { op: string; mbps: number; ok: boolean; error?: string } }) => {
          if (m.type === "result") console.log(`${m.result!.op}: ${m.result!.ok ? `${m.result!.mbps.toFixed(0)} MB/s` : m.result!.error}`);
        });
        const t = setTimeout(() => child.kill("SIGKILL"), 300_000);
        child.on("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
      const f = readdirSync(dir).find((x) => x.endsWith(".cpuprofile"));
      if (f) profile = JSON.parse(readFileSync(join(dir, f), "utf8")) as Profile;
      rmSync(dir, { recursive: true, force: true });
      console.log("(Node: the profile covers the whole child process, put and get)");
    } else {
      const web = createServer((req, res) => {
        const p = join(pageDir, req.url === "/" ? "index.html" : req.url!.slice(1));
        try {
          res.writeHead(200, { "content-type": extname(p) === ".js" ? "text/javascript" : "text/html" }).end(readFileSync(p));
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((r) => web.listen(0, "127.0.0.1", () => r()));
      const origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
      const { chromium } = await import("playwright-core");
      const browser = await chromium.launch({
        executablePath: "/usr/bin/chromium", headless: true,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      });
      try {
        const page = await browser.newPage();
        const cdp = await page.context().newCDPSession(page);
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
        await page.exposeFunction("__benchBegin", async (o: string) => {
          if (o === op) await cdp.send("Profiler.start");
        });
        await page.exposeFunction("__benchEnd", async (r: { op: string; mbps: number; ok: boolean; error?: string }) => {
          if (r.op === op) profile = ((await cdp.send("Profiler.stop")) as { profile: Profile }).profile;
          console.log(`${r.op}: ${r.ok ? `${r.mbps.toFixed(0)} MB/s` : r.error}`);
        });
        await page.goto(`${origin}/index.html`);
        await page.waitForFunction(() => "__bench" in globalThis);
        await page.evaluate(([t, u]) => (globalThis as unknown as { __bench: { run(t: unknown, u: string): Promise<void> } }).__bench.run(t, u), [task, server.url] as const);
      } finally {
        await browser.close();
        web.close();
      }
    }
  } finally {
    await server.stop();
  }
  if (!profile) throw new Error("no profile");
  writeFileSync(out, JSON.stringify(profile));
  console.log(`wrote ${out}\n${summarize(profile).join("\n")}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
