/**
 * Puts and gets over a connection that breaks: a TCP proxy on loopback between the client and the
 * server cuts every connection mid-put (the client reconnects through it at once), or stays down for
 * longer than the put waits. The proxy counts the bytes sent upstream, which shows that acknowledged
 * chunks are not sent again. Over nats.ws here, over v3 TCP in resume-connection-v3.test.ts.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { NatsConnection } from "nats.ws";
import { objectStoreManager, ServerError, type ObjectStore, type UploadCheckpoint } from "../../src/index.js";
import { testServer, uniqueBucket } from "../harness/node-server.js";
import { startTcpProxy, type TcpProxy } from "../harness/tcp-proxy.js";
import { connectWith, fileClient } from "../harness/node-clients.js";
import { paced, testBytes } from "../harness/fixtures.js";

const MiB = 1024 * 1024;
/** Slack over the bytes that must be sent: the 2 MiB window of unacknowledged chunks, plus protocol. */
const SLACK = 3 * MiB;
let proxy: TcpProxy;
let nc: NatsConnection;
let store: ObjectStore;
/** The same bucket through a manager whose requests wait 60 s: a put that waited for ack timeouts would show. */
let patient: ObjectStore;

before(async () => {
  const { ws, tcp } = await testServer();
  const transport = fileClient();
  proxy = await startTcpProxy(Number(new URL(transport === "v3-tcp" ? tcp : ws).port));
  nc = await connectWith(
    { ws: `ws://127.0.0.1:${proxy.port}`, tcp: `nats://127.0.0.1:${proxy.port}`, transport },
    { reconnectTimeWait: 100, maxReconnectAttempts: -1, pingInterval: 2000 },
  );
  store = await objectStoreManager(nc, { timeout: 1500 }).createObjectStore({ bucket: uniqueBucket("resume") });
  patient = await objectStoreManager(nc, { timeout: 60_000 }).objectStore(store.bucket);
});
after(async () => {
  await nc?.close();
  await proxy?.close();
});

const wireDigest = (data: Uint8Array) => `SHA-256=${createHash("sha256").update(data).digest("base64url")}=`;

describe(`a put or a get over a connection that breaks (${fileClient()})`, () => {
  test("cut mid-put: the put goes on after the reconnect at once, without sending acknowledged chunks again", { timeout: 30_000 }, async () => {
    const data = testBytes(24 * MiB, 11);
    const connectionsBefore = proxy.connections;
    const upBefore = proxy.bytesUp;
    let cut: Promise<void> | undefined;
    // what the client sends for 200 ms is lost, then the connection drops: some chunks must be sent again
    // the client learns of the lost connection and fails the waiting acks at once: no 60 s ack timeout
    const info = await patient.put({ name: "cut.bin" }, paced(data), {
      onProgress: (p) => { if (!cut && p.bytes >= 8 * MiB) cut = proxy.blackhole(200); },
    });
    await cut;
    const sent = proxy.bytesUp - upBefore;
    assert.ok(cut, "the connection was cut during the put");
    assert.ok(proxy.connections > connectionsBefore, "the client reconnected");
    assert.equal(info.size, data.length);
    assert.equal(info.digest, wireDigest(data));
    assert.ok(sent < data.length + SLACK, `sent ${(sent / MiB).toFixed(1)} MiB for a ${data.length / MiB} MiB object`);
    assert.ok(Buffer.from(await store.getBytes("cut.bin")).equals(Buffer.from(data)));
    console.log(`# lost 200 ms then cut, at 8 MiB of 24: sent ${(sent / MiB).toFixed(2)} MiB upstream, ${proxy.connections - connectionsBefore} reconnect(s)`);
  });

  test("down for longer than reconnectWaitMs: the put fails typed, and resumeFrom sends only the rest", { timeout: 60_000 }, async () => {
    const data = testBytes(16 * MiB, 12);
    let last: UploadCheckpoint | undefined;
    let downed = false;
    const err = await store.put({ name: "down.bin" }, paced(data), {
      reconnectWaitMs: 1000,
      onCheckpoint: (cp) => { last = cp; },
      onProgress: (p) => { if (!downed && p.bytes >= 6 * MiB) { downed = true; proxy.down(); } },
    }).catch((e: unknown) => e);
    proxy.up();
    assert.ok(err instanceof ServerError, `a ServerError, got ${String(err)}`);
    assert.ok(["TIMEOUT", "CONNECTION_CLOSED"].includes(err.code), err.code);
    assert.ok(last && last.chunks > 0, "the acknowledged chunks were checkpointed");
    const cp = JSON.parse(JSON.stringify(last)) as UploadCheckpoint;

    const upBefore = proxy.bytesUp;
    let resumedFrom: number | undefined;
    const info = await store.put({ name: "down.bin" }, data, { resumeFrom: cp, onProgress: (p) => { resumedFrom ??= p.resumedFrom; } });
    const sent = proxy.bytesUp - upBefore;
    assert.ok(resumedFrom !== undefined && resumedFrom >= cp.bytes, `resumed from ${resumedFrom}, checkpoint at ${cp.bytes}`);
    const rest = data.length - resumedFrom;
    assert.ok(sent < rest + SLACK, `sent ${(sent / MiB).toFixed(1)} MiB, ${(rest / MiB).toFixed(1)} MiB were missing`);
    assert.equal(info.nuid, cp.nuid);
    assert.equal(info.digest, wireDigest(data));
    assert.ok(Buffer.from(await store.getBytes("down.bin")).equals(Buffer.from(data)));
    console.log(`# down at 6 MiB of 16: checkpoint ${(cp.bytes / MiB).toFixed(2)} MiB, server held ${(resumedFrom / MiB).toFixed(2)} MiB, resume sent ${(sent / MiB).toFixed(2)} MiB`);
  });

  test("down for longer than reconnectWaitMs: the put fails when that wait is over, not after the manager's request timeout (60 s here)", { timeout: 90_000 }, async () => {
    const data = testBytes(8 * MiB, 15);
    let downAt = 0;
    const err = await patient.put({ name: "quick-fail.bin" }, paced(data), {
      reconnectWaitMs: 1000,
      onCheckpoint: () => undefined, // resumable: its chunks are kept, nothing to purge after
      onProgress: (p) => { if (!downAt && p.bytes >= 3 * MiB) { downAt = Date.now(); proxy.down(); } },
    }).catch((e: unknown) => e);
    const waited = Date.now() - downAt;
    proxy.up();
    assert.ok(downAt > 0, "the server went away during the put");
    assert.ok(err instanceof ServerError, `a ServerError, got ${String(err)}`);
    // 1 s of reconnectWaitMs, with room for a busy machine; a request left to its timeout takes 60 s
    assert.ok(waited < 30_000, `the put failed ${waited} ms after the connection went, not after reconnectWaitMs`);
    console.log(`# down at 3 MiB: the put failed ${waited} ms later (reconnectWaitMs 1000, request timeout 60 s)`);
  });

  test("down for longer than reconnectWaitMs: a put that is not resumable has its chunks purged once the server is back", { timeout: 60_000 }, async () => {
    const data = testBytes(8 * MiB, 14);
    await store.putString("gone.bin", "previous version");
    const before = (await store.status()).messages;
    let downed = false;
    const err = await store.put({ name: "gone.bin" }, paced(data), {
      reconnectWaitMs: 1000,
      onProgress: (p) => { if (!downed && p.bytes >= 3 * MiB) { downed = true; proxy.down(); } },
    }).catch((e: unknown) => e);
    assert.ok(err instanceof ServerError, `a ServerError, got ${String(err)}`);
    proxy.up();
    // the purge could not be sent while the server was unreachable; it goes out after the reconnect
    const held = () => store.status().then((s) => s.messages, () => -1); // -1: not reconnected yet
    for (let i = 0; i < 100 && (await held()) !== before; i++) await new Promise((r) => setTimeout(r, 200));
    assert.equal((await store.status()).messages, before, "only the previous version is left");
    assert.equal(await store.getString("gone.bin"), "previous version");
  });

  test("cut mid-get: the read goes on from the last chunk received and verifies", { timeout: 30_000 }, async () => {
    const data = testBytes(24 * MiB, 13);
    await store.putBytes("read.bin", data);
    const reader = (await patient.get("read.bin")).body.getReader();
    const parts: Uint8Array[] = [];
    let got = 0;
    let cut: Promise<void> | undefined;
    const reconnects = proxy.connections;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      parts.push(r.value);
      got += r.value.length;
      if (!cut && got >= 8 * MiB) cut = proxy.blackhole(200);
    }
    await cut;
    assert.ok(cut, "the connection was cut during the get");
    assert.ok(proxy.connections > reconnects, "the client reconnected");
    assert.ok(Buffer.concat(parts).equals(Buffer.from(data)), "the bytes read are the object's (and the digest verified)");
  });
});
