/**
 * A server whose streams' ingest queues are small (2.11+: `jetstream { max_buffered_size,
 * max_buffered_msgs }`) drops publishes that outrun it with a 429 (err_code 10167). The windowed
 * publisher backs off, deletes what was stored past the first dropped chunk and sends again from there:
 * a put completes and reads back verified, and the stored run is in order. The server's log shows that
 * it did drop publishes, so these tests fail if the back-off path was never taken.
 *
 * On servers older than 2.11 (which have no such limits) the tests are skipped.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager, type ObjectStore } from "../../src/index.js";
import { Bucket } from "../../src/bucket.js";
import { chunkSubject } from "../../src/core/names.js";
import { JetStreamClient } from "../../src/transport/jetstream.js";
import { WindowedPublisher } from "../../src/transport/windowed-publisher.js";
import { verifyStoredRun } from "../../src/stored-chunks.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { versionAtLeast } from "../harness/server-version.js";
import { testBytes } from "../harness/fixtures.js";
import { publishAll } from "../harness/chunk-runs.js";

const MiB = 1024 * 1024;
const CHUNK = 128 * 1024;
let server: NatsServer;
let nc: NatsConnection;
let store: ObjectStore;
let supported = false;

/** How many times the server logged dropping publishes for a full ingest queue (rate-limited: at least 1). */
function dropWarnings(): number {
  const log = readFileSync(join(server.dir, "nats-server.log"), "utf8");
  return log.split("\n").filter((l) => /excessive stream ingest rate/i.test(l)).length;
}

before(async () => {
  // the version of the server the run selects (NATS_SERVER_VERSION), without starting one of 2.9/2.10
  // with options they do not know
  const probe = await startNatsServer();
  supported = versionAtLeast(probe.version, 2, 11);
  await probe.stop();
  if (!supported) return;
  server = await startNatsServer({ jetstreamConfig: "max_buffered_size: 256KB\nmax_buffered_msgs: 2" });
  nc = await connect({ servers: server.url });
  store = await objectStoreManager(nc).createObjectStore({ bucket: "ingest" });
});
after(async () => {
  await nc?.close();
  await server?.stop();
});

describe("a stream's ingest queue overflows (429)", () => {
  test("a 32 MiB put backs off, completes, and reads back verified", { timeout: 180_000 }, async (t) => {
    if (!supported) return t.skip("needs nats-server 2.11+");
    const data = testBytes(32 * MiB, 7);
    const info = await store.put({ name: "big" }, data);
    assert.equal(info.size, data.length);
    assert.ok(dropWarnings() > 0, "the server dropped publishes (429) during the put");
    const bytes = await (await store.get("big")).bytes(); // size, chunk count and SHA-256 checked
    assert.ok(Buffer.from(bytes).equals(Buffer.from(data)));
    const st = await store.status();
    assert.equal(st.messages, info.chunks + 1, "exactly the chunks and the meta: strays past a dropped chunk were deleted");
  });

  test("the publisher narrows its window, re-sends from the first dropped message, and the run is in order", { timeout: 180_000 }, async (t) => {
    if (!supported) return t.skip("needs nats-server 2.11+");
    const js = new JetStreamClient(nc, 20_000);
    const bucket = new Bucket(js, "ingest", true);
    const nuid = "PUBLISHERTEST0123456789";
    const subject = chunkSubject("ingest", nuid);
    const publisher = new WindowedPublisher(js, subject, { window: 48, msgIdPrefix: nuid });
    const n = 240;
    await publishAll(publisher, n, testBytes(CHUNK, 9));
    assert.ok(publisher.throttled > 0, `the server dropped publishes (throttled ${publisher.throttled} times)`);
    assert.ok(publisher.resent, "the sequence was restarted");
    await verifyStoredRun(bucket, subject, nuid, n, n * CHUNK); // ids 0..n-1 in stream order, every byte
  });
});
