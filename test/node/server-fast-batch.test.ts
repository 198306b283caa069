/**
 * Fast-batch buckets (ADR-50, nats-server 2.14+, API level 4): `allowBatched` makes a stream with
 * `allow_batched`, status() reports it, and the fast-batch chunk publisher stores a run of chunks in
 * order, also when the server drops chunks for a full ingest queue (it goes on in a new batch). A stream
 * without `allow_batched` refuses the publisher's batches, which shows it really speaks the fast-batch
 * protocol. Older servers reject `allowBatched` with SERVER_TOO_OLD and create nothing.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager, ServerError, type ObjectStoreManager } from "../../src/index.js";
import { Bucket } from "../../src/bucket.js";
import { chunkPublisher, usesFastBatch } from "../../src/chunk-publisher.js";
import { chunkSubject } from "../../src/core/names.js";
import { JetStreamClient } from "../../src/transport/jetstream.js";
import { FastBatchPublisher } from "../../src/transport/fast-batch-publisher.js";
import { verifyStoredRun } from "../../src/stored-chunks.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { versionAtLeast } from "../harness/server-version.js";
import { testBytes } from "../harness/fixtures.js";
import { publishAll } from "../harness/chunk-runs.js";

const CHUNK = 128 * 1024;
let server: NatsServer;
let nc: NatsConnection;
let manager: ObjectStoreManager;
let js: JetStreamClient;
let supported = false;

before(async () => {
  server = await startNatsServer();
  supported = versionAtLeast(server.version, 2, 14);
  nc = await connect({ servers: server.url });
  manager = objectStoreManager(nc);
  js = new JetStreamClient(nc, 20_000);
});
after(async () => {
  await nc?.close();
  await server?.stop();
});

/** Publishes `n` chunks with `publisher` and checks the stored run. */
async function publishRun(bucketName: string, n: number, make: (subject: string, nuid: string) => FastBatchPublisher | ReturnType<typeof chunkPublisher>) {
  const nuid = `RUN${Math.random().toString(36).slice(2, 14).toUpperCase()}`;
  const subject = chunkSubject(bucketName, nuid);
  const publisher = make(subject, nuid);
  await publishAll(publisher, n, testBytes(CHUNK, n));
  await verifyStoredRun(new Bucket(js, bucketName, true), subject, nuid, n, n * CHUNK);
  return publisher;
}

describe("fast-batch buckets (allowBatched)", () => {
  test("older servers: SERVER_TOO_OLD and no bucket", async (t) => {
    if (supported) return t.skip(`nats-server ${server.version} takes fast batches`);
    await assert.rejects(() => manager.createObjectStore({ bucket: "fb_old", allowBatched: true }),
      (e: unknown) => e instanceof ServerError && e.code === "SERVER_TOO_OLD");
    assert.ok(!(await manager.names()).includes("fb_old"));
  });

  test("2.14+: the stream allows batches, status() says so, and the publisher stores an ordered run", { timeout: 120_000 }, async (t) => {
    if (!supported) return t.skip("needs nats-server 2.14+");
    const store = await manager.createObjectStore({ bucket: "fb", allowBatched: true });
    assert.equal((await store.status()).allowBatched, true);
    const si = JSON.parse(new TextDecoder().decode((await nc.request("$JS.API.STREAM.INFO.OBJ_fb", undefined, { timeout: 10_000 })).data));
    assert.equal(si.config.allow_batched, true);
    const bucket = new Bucket(js, "fb", true, true);
    assert.ok(usesFastBatch(bucket), "puts to this bucket use fast batches");
    const p = await publishRun("fb", 300, (subject, nuid) => chunkPublisher(bucket, subject, { window: 16, msgIdPrefix: nuid }));
    assert.ok(p instanceof FastBatchPublisher);
    assert.equal(p.resent, false);
    // a put into the bucket reads back verified, whichever publisher put.ts picks
    const data = testBytes(5 * CHUNK + 17, 5);
    await store.putBytes("obj", data);
    assert.deepEqual(await store.getBytes("obj"), data);
  });

  test("2.14+: a stream without allow_batched refuses the batches (the publisher really sends them)", { timeout: 60_000 }, async (t) => {
    if (!supported) return t.skip("needs nats-server 2.14+");
    await manager.createObjectStore({ bucket: "fb_plain" });
    assert.equal(usesFastBatch(new Bucket(js, "fb_plain", true, false)), false);
    await assert.rejects(() => publishRun("fb_plain", 10, (subject, nuid) => new FastBatchPublisher(js, subject, { window: 16, msgIdPrefix: nuid })),
      (e: unknown) => e instanceof ServerError && /batch publish is disabled/i.test(e.message));
  });

  test("2.14+: chunks dropped for a full ingest queue: new batches go on from the stored run", { timeout: 180_000 }, async (t) => {
    if (!supported) return t.skip("needs nats-server 2.14+");
    const small = await startNatsServer({ jetstreamConfig: "max_buffered_size: 256KB\nmax_buffered_msgs: 2" });
    const nc2 = await connect({ servers: small.url });
    try {
      await objectStoreManager(nc2).createObjectStore({ bucket: "fb_busy", allowBatched: true });
      const js2 = new JetStreamClient(nc2, 20_000);
      const nuid = "BUSYRUN0123456789";
      const subject = chunkSubject("fb_busy", nuid);
      const publisher = new FastBatchPublisher(js2, subject, { window: 32, msgIdPrefix: nuid });
      const n = 200;
      await publishAll(publisher, n, testBytes(CHUNK, 11));
      assert.ok(publisher.throttled > 0, "the server dropped chunks (429) and batches ended early");
      assert.ok(publisher.resent);
      await verifyStoredRun(new Bucket(js2, "fb_busy", true), subject, nuid, n, n * CHUNK);
    } finally {
      await nc2.close();
      await small.stop();
    }
  });
});

describe("a put into a fast-batch bucket", () => {
  test("2.14+: put, replace and get round trip byte for byte; the old version's chunks are gone", { timeout: 120_000 }, async (t) => {
    if (!supported) return t.skip(`nats-server ${server.version} has no fast batches`);
    const store = await manager.createObjectStore({ bucket: "fb_put", allowBatched: true });
    const first = testBytes(3 * 1024 * 1024 + 17, 31);
    const second = testBytes(5 * 1024 * 1024 + 5, 32);
    await store.putBytes("doc", first, { chunkSize: 64 * 1024 });
    const info = await store.putBytes("doc", second, { chunkSize: 64 * 1024 });
    assert.ok(Buffer.from(await store.getBytes("doc")).equals(Buffer.from(second)));
    assert.equal((await store.status()).messages, info.chunks + 1, "one meta and the live version's chunks");
  });
});
