/**
 * The second, uncompressed endpoint for puts (README "Writes without compression: a second endpoint for
 * puts"), against real servers set up the way it documents (bench/lib/leaf.ts, shared with the benchmark):
 * a hub with JetStream in `domain: hub` and a compressed WebSocket; a leaf node of it without JetStream,
 * with an uncompressed WebSocket and `default_js_domain: { "$G": "hub" }`; a second leaf without that
 * mapping (its clients open the manager with `apiPrefix: "$JS.hub.API"`, or fail with no responders); and a
 * proxy in front of the hub's WebSocket that drops the client's `Sec-WebSocket-Extensions`. Objects put
 * through an endpoint are read back byte for byte, digest verified, through the hub, and the other way round.
 * Servers of the version the run selects (env NATS_SERVER_VERSION, else the newest).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager, ServerError, type ObjectStore } from "../../src/index.js";
import type { NatsServer } from "../harness/nats-server.js";
import { testBytes } from "../harness/fixtures.js";
import {
  HUB_API_PREFIX, hubJetStreamConfig, hubLeafConfig, leafPort, startCompressedServer, startLeaf, startStripProxy, type StripProxy,
} from "../../bench/lib/leaf.js";

const MiB = 1024 * 1024;
/** Several chunks of the default 128 KiB, and a partial last one. */
const SIZE = 3 * MiB + 12_345;
const TIMEOUT = 120_000;

let hub: NatsServer;
/** The hub's `leafnodes { listen }` port. */
let hubLeafPort: number;
let leaf: NatsServer;
let hubNc: NatsConnection;
let leafNc: NatsConnection;
const open: NatsConnection[] = [];
const stops: (() => Promise<void>)[] = [];

/** A nats.ws connection (the runtime's WebSocket: undici, which offers permessage-deflate) closed after the file. */
async function wsConnect(url: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url, maxReconnectAttempts: 0 });
  open.push(nc);
  return nc;
}

before(async () => {
  hubLeafPort = await leafPort();
  hub = await startCompressedServer({ config: hubLeafConfig(hubLeafPort), jetstreamConfig: hubJetStreamConfig });
  stops.push(() => hub.stop());
  leaf = await startLeaf(hubLeafPort, { timeoutMs: 30_000 });
  stops.push(() => leaf.stop());
  hubNc = await wsConnect(hub.url);
  leafNc = await wsConnect(leaf.url);
}, { timeout: 60_000 });

after(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  for (const stop of stops.reverse()) await stop();
});

/** Puts `SIZE` bytes as `name` through `writer` and reads them back through `reader`: same bytes, digest verified. */
async function putThenGet(writer: ObjectStore, reader: ObjectStore, name: string, seed: number): Promise<void> {
  const data = testBytes(SIZE, seed);
  const put = await writer.putBytes(name, data);
  assert.equal(put.size, SIZE);
  assert.ok(put.chunks > 1, `several chunks (got ${put.chunks})`);
  const got = await reader.get(name);
  assert.equal(got.digestVerified, true, "the get checks the bytes against the object's digest");
  assert.equal(got.info.digest, put.digest);
  assert.equal(got.info.nuid, put.nuid, "the reader sees the object the writer put");
  const bytes = await got.bytes();
  assert.equal(bytes.length, SIZE);
  assert.ok(Buffer.from(bytes).equals(Buffer.from(data)), "the bytes read back are the bytes put");
}

/** Both directions: put through `endpoint`, get through the hub; put through the hub, get through `endpoint`. */
async function roundTrips(endpoint: ObjectStore, hubStore: ObjectStore): Promise<void> {
  await putThenGet(endpoint, hubStore, "up/through-endpoint.bin", 11);
  await putThenGet(hubStore, endpoint, "down/through-hub.bin", 12);
}

/** What a server answers to a WebSocket handshake on 127.0.0.1:`port` that offers permessage-deflate. */
function handshake(port: number): Promise<{ status: number | undefined; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: "127.0.0.1",
      port,
      path: "/",
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
        "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
      },
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`no handshake answer from port ${port} within 15 s`)));
    req.once("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, headers: res.headers });
    });
    req.once("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode, headers: res.headers });
    });
    req.once("error", reject);
    req.end();
  });
}

/** The extensions the runtime's WebSocket (undici) negotiates with `url`. */
async function negotiatedExtensions(url: string): Promise<string> {
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`WebSocket to ${url} failed`));
    });
    return ws.extensions;
  } finally {
    ws.close();
  }
}

describe("a leaf node with default_js_domain as the write endpoint", () => {
  test("the hub's WebSocket answers a permessage-deflate offer with it, the leaf's without it", { timeout: TIMEOUT }, async () => {
    const toHub = await handshake(hub.wsPort);
    assert.equal(toHub.status, 101);
    assert.match(String(toHub.headers["sec-websocket-extensions"]), /permessage-deflate/);
    const toLeaf = await handshake(leaf.wsPort);
    assert.equal(toLeaf.status, 101);
    assert.equal(toLeaf.headers["sec-websocket-extensions"], undefined, "the leaf's connections are not compressed");
  });

  test("a put through an uncompressed leaf node's WebSocket is read back byte for byte through the hub", { timeout: TIMEOUT }, async () => {
    const hubStore = await objectStoreManager(hubNc, { timeout: 30_000 }).createObjectStore({ bucket: "via_leaf" });
    const leafStore = await objectStoreManager(leafNc, { timeout: 30_000 }).objectStore("via_leaf");
    await roundTrips(leafStore, hubStore);
    // list and getInfo through the leaf see what was put through either side
    assert.deepEqual((await leafStore.list()).map((o) => o.name).sort(), ["down/through-hub.bin", "up/through-endpoint.bin"]);
    const info = await leafStore.getInfo("up/through-endpoint.bin");
    assert.equal(info.size, SIZE);
    assert.equal(info.digest, (await hubStore.getInfo("up/through-endpoint.bin")).digest);
  });
});

describe("a leaf node without default_js_domain", () => {
  let bareNc: NatsConnection;
  before(async () => {
    const bare = await startLeaf(hubLeafPort, { jsDomainMapping: false, timeoutMs: 30_000 });
    stops.push(() => bare.stop());
    bareNc = await wsConnect(bare.url);
  }, { timeout: 60_000 });

  test(`with apiPrefix "${HUB_API_PREFIX}" a put through the leaf is read back byte for byte through the hub`, { timeout: TIMEOUT }, async () => {
    const hubStore = await objectStoreManager(hubNc, { timeout: 30_000 }).createObjectStore({ bucket: "via_prefix" });
    const leafStore = await objectStoreManager(bareNc, { timeout: 30_000, apiPrefix: HUB_API_PREFIX }).objectStore("via_prefix");
    await roundTrips(leafStore, hubStore);
    assert.deepEqual((await leafStore.list()).map((o) => o.name).sort(), ["down/through-hub.bin", "up/through-endpoint.bin"]);
  });

  test("without it, opening the store through the leaf fails with a SERVER_ERROR for no responders, not a timeout", { timeout: TIMEOUT }, async () => {
    await objectStoreManager(hubNc).createObjectStore({ bucket: "unmapped" });
    // a long request timeout: a request that went unanswered would fail as TIMEOUT, not as no responders
    await assert.rejects(() => objectStoreManager(bareNc, { timeout: 30_000 }).objectStore("unmapped"), (err: unknown) => {
      assert.ok(err instanceof ServerError, `got ${(err as Error)?.name}: ${(err as Error)?.message}`);
      assert.equal(err.code, "SERVER_ERROR");
      assert.match(err.message, /no responders/);
      return true;
    });
  });
});

describe("a proxy that drops Sec-WebSocket-Extensions in front of the hub", () => {
  let proxy: StripProxy;
  before(async () => {
    proxy = await startStripProxy(hub.wsPort);
    stops.push(() => proxy.close());
  });

  test("a permessage-deflate offer through the proxy is answered without Sec-WebSocket-Extensions, straight to the hub with it", { timeout: TIMEOUT }, async () => {
    const proxyPort = Number(new URL(proxy.url).port);
    const through = await handshake(proxyPort);
    assert.equal(through.status, 101);
    assert.ok(through.headers["sec-websocket-accept"], "a completed handshake");
    assert.equal(through.headers["sec-websocket-extensions"], undefined);
    const direct = await handshake(hub.wsPort);
    assert.equal(direct.status, 101);
    assert.match(String(direct.headers["sec-websocket-extensions"]), /permessage-deflate/);
    // the runtime's WebSocket offers permessage-deflate: the hub takes it, the proxy's connection has none
    assert.match(await negotiatedExtensions(hub.url), /permessage-deflate/);
    assert.equal(await negotiatedExtensions(proxy.url), "");
  });

  test("a put through the proxy is read back byte for byte through the hub", { timeout: TIMEOUT }, async () => {
    const hubStore = await objectStoreManager(hubNc, { timeout: 30_000 }).createObjectStore({ bucket: "via_proxy" });
    const proxyStore = await objectStoreManager(await wsConnect(proxy.url), { timeout: 30_000 }).objectStore("via_proxy");
    await roundTrips(proxyStore, hubStore);
  });
});
