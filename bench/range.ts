/**
 * Range reads: what reading the last 1 MiB (and the first 1 MiB) of an object costs, for objects of
 * 16 MiB, 256 MiB and 1 GiB, against a whole get of the same object (all an official client can do).
 * Node, one local nats-server (file storage), medians of 5 reads; bytes received are the connection's
 * own count, so "fetches only the chunks it needs" is measured, not assumed.
 *
 *   node --experimental-websocket --import tsx bench/range.ts [--sizes 16,256,1024]   -> results/range.{json,md}
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "nats.ws";
import { objectStoreManager, type ObjectStore } from "../src/index.ts";
import { startNatsServer } from "../test/harness/nats-server.ts";
import { selectServerVersion } from "./lib/server-version.ts";
import { BENCH_DIR } from "./build.ts";

const MiB = 1024 * 1024;
const argv = process.argv.slice(2);
const sizesArg = argv[argv.indexOf("--sizes") + 1];
const sizes = (argv.includes("--sizes") && sizesArg ? sizesArg : "16,256,1024").split(",").map((s) => Number(s) * MiB);
const READS = 5;

/** A source of `size` bytes in 1 MiB pieces (varied, so nothing compresses or dedupes). */
function source(size: number): ReadableStream<Uint8Array> {
  let off = 0;
  const piece = new Uint8Array(MiB);
  return new ReadableStream({
    pull(c) {
      if (off >= size) return c.close();
      const n = Math.min(MiB, size - off);
      piece[0] = off / MiB;
      c.enqueue(piece.slice(0, n));
      off += n;
    },
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  size: number;
  what: string;
  ms: number;
  receivedBytes: number;
}

async function timed(nc: { stats(): { inBytes: number } }, fn: () => Promise<number>): Promise<{ ms: number; received: number; got: number }> {
  const before = nc.stats().inBytes;
  const t0 = performance.now();
  const got = await fn();
  return { ms: performance.now() - t0, received: nc.stats().inBytes - before, got };
}

async function drain(store: ObjectStore, name: string, range?: { offset: number; length: number }): Promise<number> {
  const res = await store.get(name, range);
  const reader = res.body.getReader();
  let n = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
  return n;
}

async function main(): Promise<void> {
  const picked = selectServerVersion(process.argv.slice(2));
  const server = await startNatsServer();
  console.log(`nats-server ${picked.version} (${picked.bin})`);
  const nc = await connect({ servers: server.url });
  const rows: Row[] = [];
  try {
    const store = await objectStoreManager(nc).createObjectStore({ bucket: "bench_range" });
    for (const size of sizes) {
      const name = `obj-${size / MiB}`;
      await store.put({ name }, source(size));
      for (const [what, range] of [["last 1 MiB", { offset: size - MiB, length: MiB }], ["first 1 MiB", { offset: 0, length: MiB }]] as const) {
        const runs = [];
        for (let i = 0; i < READS; i++) runs.push(await timed(nc, () => drain(store, name, range)));
        if (runs.some((r) => r.got !== MiB)) throw new Error(`${what} of ${name}: wrong length`);
        rows.push({ size, what, ms: median(runs.map((r) => r.ms)), receivedBytes: median(runs.map((r) => r.received)) });
      }
      const whole = await timed(nc, () => drain(store, name));
      if (whole.got !== size) throw new Error(`whole ${name}: wrong length`);
      rows.push({ size, what: "whole object", ms: whole.ms, receivedBytes: whole.received });
      await store.delete(name);
      console.log(rows.slice(-3).map((r) => `${size / MiB} MiB ${r.what}: ${r.ms.toFixed(1)} ms, ${(r.receivedBytes / MiB).toFixed(2)} MiB received`).join("\n"));
    }
  } finally {
    await nc.close();
    await server.stop();
  }
  const label = (n: number) => (n >= 1024 * MiB ? `${n / 1024 / MiB} GiB` : `${n / MiB} MiB`);
  const md = [
    "# Range reads (Node, this library)",
    "",
    `${new Date().toISOString()} · median of ${READS} reads (whole object: one read) · bytes received = the connection's inBytes`,
    "",
    "| object | read | time (ms) | received (MiB) |",
    "|---|---|---:|---:|",
    ...rows.map((r) => `| ${label(r.size)} | ${r.what} | ${r.ms.toFixed(1)} | ${(r.receivedBytes / MiB).toFixed(2)} |`),
    "",
  ].join("\n");
  const dir = join(BENCH_DIR, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "range.json"), JSON.stringify({ when: new Date().toISOString(), rows }, null, 2));
  writeFileSync(join(dir, "range.md"), md);
  console.log(`\n${md}`);
}

await main();
