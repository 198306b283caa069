/**
 * Faults against a real server on loopback: a server restart (same port, file storage, back within a
 * second) in the middle of a put and of a get. A put waits for the reconnect and completes; a get
 * completes correctly after the client reconnects, or fails with a typed error; never is a stored
 * object's data out of step with its digest. Over nats.ws here, over v3 TCP in faults-v3.test.ts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "nats.ws";
import { objectStoreManager, ObjectStoreError, type ObjectStore } from "../../src/index.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { paced, testBytes } from "../harness/fixtures.js";
import { connectWith, fileClient } from "../harness/node-clients.js";

const MiB = 1024 * 1024;
let server: NatsServer;
let nc: NatsConnection;
let store: ObjectStore;

before(async () => {
  server = await startNatsServer();
  nc = await connectWith(
    { ws: server.url, tcp: server.natsUrl, transport: fileClient() },
    { reconnectTimeWait: 200, maxReconnectAttempts: -1, pingInterval: 2000 },
  );
  store = await objectStoreManager(nc, { timeout: 4000 }).createObjectStore({ bucket: "faults" });
});
after(async () => {
  await nc?.close();
  await server?.stop();
});

describe(`server restart (${fileClient()})`, () => {
  test("mid-put: the put waits for the server to come back and completes; the object verifies", { timeout: 120_000 }, async () => {
    await store.putBytes("doc", testBytes(2 * MiB, 1));
    const data = testBytes(48 * MiB, 2);
    let restarted: Promise<void> | undefined;
    const info = await store.put({ name: "doc" }, paced(data), {
      onProgress: (p) => { if (!restarted && p.bytes >= 12 * MiB) restarted = server.restart(); },
    });
    await restarted;
    assert.ok(restarted, "the server was restarted during the put");
    assert.equal(info.size, data.length);
    const bytes = await (await store.get("doc")).bytes(); // verifies size, chunks and digest
    assert.ok(Buffer.from(bytes).equals(Buffer.from(data)));
    assert.equal((await store.status()).messages, info.chunks + 1, "the old version's chunks are gone, no strays");
  });

  test("mid-get: the read completes verified or fails typed", { timeout: 120_000 }, async () => {
    const data = testBytes(48 * MiB, 3);
    await store.putBytes("big", data);
    const res = await store.get("big");
    const reader = res.body.getReader();
    const parts: Uint8Array[] = [];
    let got = 0;
    let restarted: Promise<void> | undefined;
    let outcome = "completed";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        got += value.length;
        if (!restarted && got >= 12 * MiB) restarted = server.restart();
      }
      assert.ok(Buffer.concat(parts).equals(Buffer.from(data)));
    } catch (err) {
      assert.ok(err instanceof ObjectStoreError, `a typed error, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
      outcome = `failed with ${err.code}`;
    }
    await restarted;
    assert.ok(restarted, "the server was restarted during the get");
    console.log(`# restart mid-get: ${outcome}`);
    assert.ok(Buffer.from(await store.getBytes("big")).equals(Buffer.from(data)), "readable again afterwards");
  });
});
