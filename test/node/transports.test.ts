/**
 * Any NATS connection: nats.ws, the v3 `wsconnect()` and the v3 TCP `connect()` are passed to
 * `objectStoreManager` as they are (no cast: this file is type-checked), and what differs between the
 * clients is honoured or mapped: the connection's `inboxPrefix` (a least-privilege user may subscribe
 * only under their own prefix), a subscription the server refuses (PERMISSION_DENIED at once, and the
 * connection stays usable), and each client's errors (no responders, timeouts, a closed connection).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect as wsNatsConnect } from "nats.ws";
import { wsconnect } from "@nats-io/nats-core";
import { connect as tcpConnect } from "@nats-io/transport-node";
import {
  objectStoreManager, InvalidArgumentError, PermissionError, ServerError, type NatsConnectionLike, type ManagerOptions,
} from "../../src/index.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { testBytes } from "../harness/fixtures.js";

const SECRET = "transport-Pass-1";
const CHUNK = 16 * 1024;

type Opener = (server: NatsServer, opts: Record<string, unknown>) => Promise<NatsConnectionLike>;

/** The three clients, each opened as a user would open it and handed over untouched. */
const CLIENTS: Record<string, Opener> = {
  "nats.ws": (s, opts) => wsNatsConnect({ servers: s.url, ...opts }),
  "v3 wsconnect": (s, opts) => wsconnect({ servers: s.url, ...opts }),
  "v3 tcp": (s, opts) => tcpConnect({ servers: s.natsUrl, ...opts }),
};

let server: NatsServer;
const open: NatsConnectionLike[] = [];

async function as(client: string, user: string, extra: Record<string, unknown> = {}): Promise<NatsConnectionLike> {
  const nc = await CLIENTS[client]!(server, { user, pass: SECRET, ...extra });
  open.push(nc);
  return nc;
}

before(async () => {
  server = await startNatsServer({
    config: `
      authorization {
        users: [
          { user: admin, password: "${SECRET}" }
          { user: alice, password: "${SECRET}", permissions: { publish: { allow: [">"] }, subscribe: { allow: ["_INBOX_alice.>"] } } }
          { user: bob, password: "${SECRET}", permissions: { publish: { allow: [">"] }, subscribe: { allow: ["_INBOX.>"] } } }
        ]
      }`,
  });
});
after(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  await server?.stop();
});

/** A put of several chunks, a get, a list, a watch and a delete: every path that subscribes. */
async function everyOperation(nc: NatsConnectionLike, bucket: string, opts?: ManagerOptions): Promise<void> {
  const store = await objectStoreManager(nc, { timeout: 20_000, ...opts }).createObjectStore({ bucket });
  const data = testBytes(3 * CHUNK + 5, 7);
  await store.putBytes("a/file.bin", data, { chunkSize: CHUNK });
  assert.deepEqual(await store.getBytes("a/file.bin"), data);
  assert.equal(await store.getString("a/file.bin", { offset: CHUNK, length: 3 }), new TextDecoder().decode(data.subarray(CHUNK, CHUNK + 3)));
  assert.deepEqual((await store.list()).map((o) => o.name), ["a/file.bin"]);
  const w = await store.watch();
  const first = await w.next();
  assert.equal(first?.name, "a/file.bin");
  w.stop();
  await store.delete("a/file.bin");
  assert.deepEqual(await store.list(), []);
}

for (const client of Object.keys(CLIENTS)) {
  describe(`over ${client}`, () => {
    test("a user allowed to subscribe only under their own inbox prefix uses every operation", { timeout: 120_000 }, async () => {
      const nc = await as(client, "alice", { inboxPrefix: "_INBOX_alice" });
      await everyOperation(nc, `prefix_${client.replace(/\W/g, "")}`);
    });

    test("a subscription the server refuses fails each operation with PERMISSION_DENIED, and the connection stays usable", { timeout: 120_000 }, async () => {
      const admin = await as(client, "admin");
      const bucket = `refused_${client.replace(/\W/g, "")}`;
      const setUp = await objectStoreManager(admin).createObjectStore({ bucket });
      await setUp.putBytes("x", testBytes(2 * CHUNK, 3), { chunkSize: CHUNK });
      // bob may subscribe under _INBOX only; the store is told to take its inboxes from _DENIED. Its
      // timeout is far longer than the test's: an operation that waited for it would fail the test.
      const nc = await as(client, "bob");
      const store = await objectStoreManager(nc, { timeout: 300_000, inboxPrefix: "_DENIED" }).objectStore(bucket);
      const denied = (err: unknown) => {
        assert.ok(err instanceof PermissionError, `got ${(err as Error)?.name}: ${(err as Error)?.message}`);
        assert.equal(err.code, "PERMISSION_DENIED");
        return true;
      };
      await assert.rejects(() => store.putBytes("y", testBytes(3 * CHUNK, 4), { chunkSize: CHUNK }), denied);
      await assert.rejects(() => store.getBytes("x"), denied);
      await assert.rejects(() => store.list(), denied);
      await assert.rejects(() => store.watch(), denied);
      // the connection still answers requests, and the store works with a prefix bob may use
      const info = await nc.request("$JS.API.INFO", new Uint8Array(0), { timeout: 10_000 });
      assert.match(new TextDecoder().decode(info.data), /account_info_response/);
      assert.equal(nc.isClosed(), false);
      const ok = await objectStoreManager(nc, { timeout: 20_000 }).objectStore(bucket);
      assert.deepEqual(await ok.getBytes("x"), testBytes(2 * CHUNK, 3));
      assert.deepEqual((await setUp.list()).map((o) => o.name), ["x"], "the refused put stored nothing");
    });

    test("the client's errors map to typed errors: a closed connection, an operation after close", { timeout: 60_000 }, async () => {
      const nc = await as(client, "admin");
      const store = await objectStoreManager(nc, { timeout: 5_000 }).createObjectStore({ bucket: `closed_${client.replace(/\W/g, "")}` });
      await store.putString("k", "v");
      await nc.close();
      await assert.rejects(() => store.getString("k"), (err: unknown) => {
        assert.ok(err instanceof ServerError, `got ${(err as Error)?.name}: ${(err as Error)?.message}`);
        assert.equal(err.code, "CONNECTION_CLOSED");
        return true;
      });
    });
  });
}

describe("server without JetStream", () => {
  let plain: NatsServer;
  before(async () => {
    plain = await startNatsServer({ jetstream: false });
  });
  after(async () => {
    await plain?.stop();
  });
  for (const [client, opener] of Object.entries(CLIENTS)) {
    test(`over ${client}: no responders is a SERVER_ERROR that says JetStream is not available`, { timeout: 60_000 }, async () => {
      const nc = await opener(plain, {});
      open.push(nc);
      await assert.rejects(() => objectStoreManager(nc, { timeout: 5_000 }).createObjectStore({ bucket: "nojs" }), (err: unknown) => {
        assert.ok(err instanceof ServerError, `got ${(err as Error)?.name}: ${(err as Error)?.message}`);
        assert.equal(err.code, "SERVER_ERROR");
        assert.match(err.message, /JetStream is not available/);
        return true;
      });
    });
  }
});

test("an inboxPrefix that is not a subject is INVALID_ARGUMENT", async () => {
  const nc = await as("nats.ws", "admin");
  for (const bad of ["", "a b", "_INBOX.*", "x.>", "a..b", 7]) {
    assert.throws(() => objectStoreManager(nc, { inboxPrefix: bad as string }), InvalidArgumentError, String(bad));
  }
});
