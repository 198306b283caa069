/**
 * A long-lived connection (a Service Worker's, a server's) must not grow with every get, list and watch:
 * a finished reader, list feed or stopped watcher leaves nothing registered on the connection. Thousands
 * of small operations on one connection, the heap measured after forced garbage collections (node runs
 * test files with --expose-gc), and the growth per operation bounded well below what one retained
 * get costs (a get's result kept alive after reading measured about 3.3 KB). The heap moves by a few
 * hundred KB between rounds on its own, whatever the operations do, so rounds are thousands of
 * operations long and the bound leaves that noise room.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager, type ObjectStore } from "../../src/index.js";
import { testServer, uniqueBucket } from "../harness/node-server.js";

const gc = (globalThis as { gc?: () => void }).gc;
/** Heap bytes an operation may leave behind on average: a retained get result costs about 3.3 KB. */
const BOUND_PER_OP = 600;

let nc: NatsConnection;
let store: ObjectStore;

before(async () => {
  nc = await connect({ servers: (await testServer()).ws });
  store = await objectStoreManager(nc).createObjectStore({ bucket: uniqueBucket("mem") });
  await store.putString("small", "a small object of one chunk");
  await store.putString("other", "x");
});
after(async () => {
  await objectStoreManager(nc).deleteObjectStore(store.bucket).catch(() => undefined);
  await nc?.close();
});

/** Heap in use after garbage collection has settled (several passes: finalizers and weak refs). */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage().heapUsed;
}

/** Runs `op` `n` times, four at a time. */
async function repeat(n: number, op: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < n) {
      next++;
      await op();
    }
  }));
}

/**
 * Heap growth per operation of `op`: after `warm` unmeasured runs, three rounds of `n` runs each, and the
 * smallest growth of the three. A leak grows the heap in every round alike; the engine's own one-off
 * growth (compiled code, caches) does not, and is mostly behind us by the later rounds.
 */
async function growthPerOp(n: number, op: () => Promise<void>, warm = 300): Promise<number> {
  await repeat(warm, op);
  const rounds: number[] = [];
  let before = await settledHeap();
  for (let round = 0; round < 3; round++) {
    await repeat(n, op);
    const after = await settledHeap();
    rounds.push((after - before) / n);
    before = after;
  }
  return Math.min(...rounds);
}

test("gets on one connection leave nothing on it once read", { skip: !gc && "needs --expose-gc", timeout: 240_000 }, async () => {
  const perGet = await growthPerOp(2000, async () => {
    assert.equal(await store.getString("small"), "a small object of one chunk");
  });
  console.log(`# heap growth per get: ${perGet.toFixed(0)} bytes`);
  assert.ok(perGet < BOUND_PER_OP, `each get left ${perGet.toFixed(0)} bytes on the heap`);
});

test("gets cancelled before the end and range gets leave nothing either", { skip: !gc && "needs --expose-gc", timeout: 240_000 }, async () => {
  const perGet = await growthPerOp(1200, async () => {
    const res = await store.get("small");
    const reader = res.body.getReader();
    await reader.read();
    await reader.cancel();
    assert.equal(await store.getString("small", { offset: 2, length: 5 }), "small");
  });
  console.log(`# heap growth per cancelled get + range get: ${perGet.toFixed(0)} bytes`);
  assert.ok(perGet < 2 * BOUND_PER_OP, `each cancelled get and range get left ${perGet.toFixed(0)} bytes on the heap`);
});

test("lists on one connection leave nothing on it", { skip: !gc && "needs --expose-gc", timeout: 240_000 }, async () => {
  const perList = await growthPerOp(2000, async () => {
    assert.equal((await store.list()).length, 2);
  });
  console.log(`# heap growth per list: ${perList.toFixed(0)} bytes`);
  assert.ok(perList < BOUND_PER_OP, `each list left ${perList.toFixed(0)} bytes on the heap`);
});

test("stopped watchers on one connection leave nothing on it", { skip: !gc && "needs --expose-gc", timeout: 240_000 }, async () => {
  const perWatch = await growthPerOp(800, async () => {
    const w = await store.watch();
    assert.ok(await w.next());
    w.stop();
  }, 100);
  console.log(`# heap growth per watch: ${perWatch.toFixed(0)} bytes`);
  assert.ok(perWatch < BOUND_PER_OP, `each watcher left ${perWatch.toFixed(0)} bytes on the heap`);
});
