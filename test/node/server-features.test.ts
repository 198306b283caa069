/**
 * What the library picks by the server's version (its JetStream API level): on 2.11+ `list()` and the
 * orphan scan read the metas by batched direct gets (a page at a time, no consumer); on older servers
 * through an ordered consumer. The server's consumer advisories show which path ran, so the test fails
 * when a 2.11+ server gets a consumer, or an older one does not. A bucket of 1,100 objects has more
 * metas than the 1,024 subjects a `multi_last` request may match; read in pages of 100 it takes 11.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection, type Subscription } from "nats.ws";
import { objectStoreManager, type ObjectStore } from "../../src/index.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { versionAtLeast } from "../harness/server-version.js";
import { JetStreamClient } from "../../src/transport/jetstream.js";
import { directBatchMessages } from "../../src/transport/direct-batch.js";

let server: NatsServer;
let nc: NatsConnection;
let store: ObjectStore;
let batched = false;
const NAMES = 1_100;

/** Counts the consumers the server creates on a stream while `fn` runs (from its advisories). */
async function consumersCreatedDuring(stream: string, fn: () => Promise<unknown>): Promise<number> {
  let created = 0;
  const sub: Subscription = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.CREATED.${stream}.>`, { callback: () => created++ });
  await nc.flush();
  try {
    await fn();
    await nc.flush();
    await new Promise((r) => setTimeout(r, 200)); // advisories are sent asynchronously
  } finally {
    sub.unsubscribe();
  }
  return created;
}

before(async () => {
  server = await startNatsServer();
  batched = versionAtLeast(server.version, 2, 11);
  nc = await connect({ servers: server.url });
  store = await objectStoreManager(nc).createObjectStore({ bucket: "features" });
  const names = Array.from({ length: NAMES }, (_, i) => `dir/${String(i).padStart(5, "0")}.txt`);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let i = next++; i < names.length; i = next++) await store.putString(names[i]!, `object ${i}`);
  }));
  await store.delete("dir/00007.txt");
}, { timeout: 240_000 });
after(async () => {
  await nc?.close();
  await server?.stop();
});

describe(`metas by batched direct get (2.11+) or a consumer (older)`, () => {
  test("list() returns every object once, newest meta of each, with the path the server allows", { timeout: 120_000 }, async () => {
    let listed: Awaited<ReturnType<ObjectStore["list"]>> = [];
    const consumers = await consumersCreatedDuring("OBJ_features", async () => (listed = await store.list()));
    const names = listed.map((o) => o.name);
    assert.equal(names.length, NAMES - 1, "every live object, the deleted one left out");
    assert.equal(new Set(names).size, names.length, "no name twice");
    assert.ok(!names.includes("dir/00007.txt"));
    assert.equal(await store.getString(names[0]!), `object ${Number(names[0]!.slice(4, 9))}`);
    if (batched) assert.equal(consumers, 0, `nats-server ${server.version}: list() made no consumer`);
    else assert.ok(consumers >= 1, `nats-server ${server.version}: list() read through a consumer`);
  });

  test("2.11+: batched direct gets page through every meta in stream order", { timeout: 120_000 }, async (t) => {
    if (!batched) return t.skip("needs nats-server 2.11+");
    const js = new JetStreamClient(nc, 20_000);
    const seqs: number[] = [];
    const subjects = new Set<string>();
    for await (const m of directBatchMessages(js, "OBJ_features", "$O.features.M.>", "list", 100)) {
      seqs.push(m.seq);
      subjects.add(m.subject);
    }
    assert.equal(subjects.size, NAMES, "every meta subject once (the deleted object's marker too)");
    assert.equal(seqs.length, NAMES);
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), "in stream order across pages");
  });

  test("a name written again while listing is listed once, with one of its versions", { timeout: 120_000 }, async () => {
    const rewrite = (async () => {
      for (let i = 0; i < 20; i++) await store.putString("dir/00001.txt", `again ${i}`);
    })();
    const listed = await store.list();
    await rewrite;
    assert.equal(listed.filter((o) => o.name === "dir/00001.txt").length, 1);
    assert.equal(listed.length, NAMES - 1);
  });

  test("purgeOrphanChunks reads the metas the same way and keeps every live object", { timeout: 120_000 }, async () => {
    const orphan = "ORPHANCHUNKS0123456789";
    await nc.request(`$O.features.C.${orphan}`, new TextEncoder().encode("left by a crashed writer"));
    let result: Awaited<ReturnType<ObjectStore["purgeOrphanChunks"]>> | undefined;
    const consumers = await consumersCreatedDuring("OBJ_features", async () => {
      result = await store.purgeOrphanChunks({ minAgeMs: 0 });
    });
    assert.deepEqual(result?.nuids, [orphan]);
    if (batched) assert.equal(consumers, 0, "the orphan scan made no consumer");
    else assert.ok(consumers >= 1);
    assert.equal((await store.list()).length, NAMES - 1);
  });
});
