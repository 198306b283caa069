/**
 * `list()` of a bucket of many objects (default 10,000), in Node over WebSocket against one local
 * nats-server (file storage): the metas read by batched direct gets (servers 2.11+, no consumer) and by
 * an ordered consumer (every server), and `store.list()` as it is (which picks the first where it can).
 * Medians of 5 reads after one unmeasured read.
 *
 *   node --experimental-websocket --import tsx bench/list.ts [--server-version 2.9.10|newest] [--objects N]
 *
 * Prints a table and appends it to bench/results/list.md.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { connect } from "nats.ws";
import { objectStoreManager } from "../src/index.js";
import { Bucket } from "../src/bucket.js";
import { JetStreamClient } from "../src/transport/jetstream.js";
import { startNatsServer } from "../test/harness/nats-server.ts";
import { selectServerVersion } from "./lib/server-version.ts";
import { BENCH_DIR } from "./build.ts";

const argv = process.argv.slice(2);
const objects = Number(argv[argv.indexOf("--objects") + 1] ?? NaN) || 10_000;
const ROUNDS = 5;
const CONCURRENCY = 32;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(fn: () => Promise<number>): Promise<{ ms: number; n: number }> {
  await fn(); // warm-up
  const ms: number[] = [];
  let n = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    n = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), n };
}

async function main(): Promise<void> {
  const picked = selectServerVersion(argv);
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  try {
    const store = await objectStoreManager(nc).createObjectStore({ bucket: "bench_list" });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < objects; i = next++) await store.putString(`files/${String(i).padStart(6, "0")}.txt`, `object ${i}`);
    }));
    console.log(`nats-server ${picked.version}: ${objects} objects put in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const js = new JetStreamClient(nc, 60_000);
    const batchedBucket = new Bucket(js, "bench_list", true);
    const consumerBucket = new Bucket(js, "bench_list", false); // no direct gets: the consumer path
    const rows: [string, { ms: number; n: number } | string][] = [];
    rows.push(["store.list()" + (batchedBucket.listsByDirectBatch ? " (batched direct get)" : " (consumer)"),
      await timed(async () => (await store.list()).length)]);
    rows.push(["metas by batched direct get", batchedBucket.listsByDirectBatch
      ? await timed(async () => (await batchedBucket.latestInfos()).length)
      : "n/a: needs nats-server 2.11+"]);
    rows.push(["metas by ordered consumer", await timed(async () => (await consumerBucket.latestInfos()).length)]);

    const lines = [
      ``,
      `### list() of ${objects} objects · nats-server ${picked.version} · Node ${process.version} · ${new Date().toISOString()}`,
      ``,
      `| read | median of ${ROUNDS} | objects/s |`,
      `|---|---:|---:|`,
      ...rows.map(([label, r]) => typeof r === "string"
        ? `| ${label} | ${r} | |`
        : `| ${label} | ${r.ms.toFixed(0)} ms | ${Math.round((r.n / r.ms) * 1000)} |`),
    ];
    console.log(lines.join("\n"));
    for (const [label, r] of rows) {
      if (typeof r !== "string" && r.n < objects) throw new Error(`${label}: listed ${r.n} of ${objects}`);
    }
    mkdirSync(join(BENCH_DIR, "results"), { recursive: true });
    appendFileSync(join(BENCH_DIR, "results", "list.md"), `${lines.join("\n")}\n`);
  } finally {
    await nc.close();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
