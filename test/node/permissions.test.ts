/**
 * Least privilege against a server with authenticated users and subject permissions: a read-only user
 * gets and lists but its put fails with PERMISSION_DENIED and stores nothing; a user scoped to one bucket
 * cannot see another. Credentials never appear in error messages.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "nats.ws";
import { objectStoreManager, PermissionError, type ObjectStore } from "../../src/index.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { connectWith, fileClient } from "../harness/node-clients.js";

/** The permissions a browser user needs to read one bucket (documented in the README). */
function readOnly(bucket: string): string {
  return `{
    publish: { allow: ["$JS.API.INFO", "$JS.API.STREAM.INFO.OBJ_${bucket}", "$JS.API.DIRECT.GET.OBJ_${bucket}",
                       "$JS.API.STREAM.MSG.GET.OBJ_${bucket}", "$JS.API.CONSUMER.CREATE.OBJ_${bucket}",
                       "$JS.API.CONSUMER.MSG.NEXT.OBJ_${bucket}.*", "$JS.API.CONSUMER.DELETE.OBJ_${bucket}.*",
                       "$JS.FC.OBJ_${bucket}.>"] },
    subscribe: { allow: ["_INBOX.>"] }
  }`;
}

/** The permissions a user needs to read and write one bucket (but not create or delete buckets). */
function readWrite(bucket: string): string {
  return `{
    publish: { allow: ["$JS.API.INFO", "$JS.API.STREAM.INFO.OBJ_${bucket}", "$JS.API.DIRECT.GET.OBJ_${bucket}",
                       "$JS.API.STREAM.MSG.GET.OBJ_${bucket}", "$JS.API.CONSUMER.CREATE.OBJ_${bucket}",
                       "$JS.API.CONSUMER.MSG.NEXT.OBJ_${bucket}.*", "$JS.API.CONSUMER.DELETE.OBJ_${bucket}.*",
                       "$JS.API.STREAM.PURGE.OBJ_${bucket}", "$JS.API.STREAM.MSG.DELETE.OBJ_${bucket}",
                       "$JS.FC.OBJ_${bucket}.>", "$O.${bucket}.>"] },
    subscribe: { allow: ["_INBOX.>"] }
  }`;
}

const SECRET = "s3cr3t-P4ss";
let server: NatsServer;
let admin: NatsConnection;
const open: NatsConnection[] = [];

async function as(user: string): Promise<NatsConnection> {
  const nc = await connect({ user, pass: SECRET });
  open.push(nc);
  return nc;
}

/** A connection to the test server with this file's client (nats.ws here, v3 in permissions-v3.test.ts). */
function connect(opts: { user: string; pass: string }): Promise<NatsConnection> {
  return connectWith({ ws: server.url, tcp: server.natsUrl, transport: fileClient() }, opts);
}

describe(`least privilege (${fileClient()})`, () => {
  let shared: ObjectStore;
  before(async () => {
    server = await startNatsServer({
      config: `
        authorization {
          users: [
            { user: admin, password: "${SECRET}" }
            { user: reader, password: "${SECRET}", permissions: ${readOnly("shared")} }
            { user: writer, password: "${SECRET}", permissions: ${readWrite("shared")} }
          ]
        }`,
    });
    admin = await connect({ user: "admin", pass: SECRET });
    const m = objectStoreManager(admin);
    shared = await m.createObjectStore({ bucket: "shared" });
    await shared.putString("hello.txt", "hello");
    const secret = await m.createObjectStore({ bucket: "private" });
    await secret.putString("plans.txt", "secret plans");
  });
  after(async () => {
    for (const nc of open) await nc.close().catch(() => undefined);
    await admin?.close();
    await server?.stop();
  });

  test("a read-only user gets, lists and watches", async () => {
    const store = await objectStoreManager(await as("reader"), { timeout: 3000 }).objectStore("shared");
    assert.equal(await store.getString("hello.txt"), "hello");
    assert.deepEqual((await store.list()).map((o) => o.name), ["hello.txt"]);
    const w = await store.watch();
    await w.initialized;
    w.stop();
  });

  test("a read-only user's put fails with PERMISSION_DENIED and stores nothing", async () => {
    const store = await objectStoreManager(await as("reader"), { timeout: 3000 }).objectStore("shared");
    const before = (await shared.status()).messages;
    await assert.rejects(() => store.putString("evil.txt", "x".repeat(300_000)), (err: unknown) => {
      assert.ok(err instanceof PermissionError, `got ${(err as Error).name}: ${(err as Error).message}`);
      assert.equal(err.code, "PERMISSION_DENIED");
      assert.ok(!err.message.includes(SECRET));
      return true;
    });
    await assert.rejects(() => store.delete("hello.txt"), PermissionError);
    assert.equal((await shared.status()).messages, before);
  });

  test("a user scoped to one bucket writes there but cannot see another", async () => {
    const m = objectStoreManager(await as("writer"), { timeout: 3000 });
    const store = await m.objectStore("shared");
    await store.putString("mine.txt", "ok");
    assert.equal(await store.getString("mine.txt"), "ok");
    await assert.rejects(() => m.objectStore("private"), PermissionError);
    await assert.rejects(() => m.createObjectStore({ bucket: "another" }), PermissionError);
  });

  test("a wrong password fails to connect without echoing it", async () => {
    await assert.rejects(() => connect({ user: "reader", pass: "wrong-" + SECRET }), (err: Error) => {
      assert.ok(!String(err.message).includes(SECRET));
      return true;
    });
  });
});
