import type { NatsConnection } from "nats.ws";
import { ConflictError, NotFoundError, ObjectStoreError, objectStoreManager } from "../../src/index.js";
import * as assert from "../harness/assert.js";
import type { Suite } from "../harness/suite.js";

export default function (t: Suite): void {
  t.test("a bucket is created with its config, reopened, listed and deleted", async (ctx) => {
    const m = objectStoreManager(await ctx.connect());
    const bucket = ctx.bucketName("cfg");
    const store = await m.createObjectStore({ bucket, description: "my files", ttl: 3_600_000, maxBytes: 50_000_000, storage: "memory" });
    const st = await store.status();
    assert.deepEqual(
      [st.bucket, st.description, st.ttl, st.storage, st.replicas, st.sealed, st.maxBytes, st.backingStore, st.size],
      [bucket, "my files", 3_600_000, "memory", 1, false, 50_000_000, "JetStream", 0],
    );
    await store.putString("x", "hello");
    const again = await m.objectStore(bucket);
    assert.equal(await again.getString("x"), "hello");
    assert.ok((await again.status()).size > 0);
    assert.ok((await m.names()).includes(bucket));
    assert.ok((await m.list()).some((s) => s.bucket === bucket));
    await m.deleteObjectStore(bucket);
    assert.ok(!(await m.names()).includes(bucket));
  });

  t.test("creating a bucket that exists with the same config opens it; another config is BUCKET_EXISTS", async (ctx) => {
    const m = objectStoreManager(await ctx.connect());
    const bucket = ctx.bucketName("dup");
    await m.createObjectStore({ bucket, description: "one" });
    await m.createObjectStore({ bucket, description: "one" });
    await assert.rejects(() => m.createObjectStore({ bucket, description: "two" }), ConflictError, "BUCKET_EXISTS");
  });

  t.test("metadata and compression are applied on 2.10+: the stream has them and status() reports them", async (ctx) => {
    const nc = await ctx.connect();
    if (!atLeast(nc, 2, 10)) return; // older servers: SERVER_TOO_OLD (errors suite)
    const m = objectStoreManager(nc);
    const bucket = ctx.bucketName("meta");
    const store = await m.createObjectStore({ bucket, metadata: { owner: "team-a", tier: "hot" }, compression: true });
    const si = await streamConfig(nc, bucket);
    assert.equal(si.compression, "s2");
    assert.equal(si.metadata?.owner, "team-a");
    const st = await store.status();
    assert.equal(st.compression, true);
    assert.deepEqual(st.metadata, { owner: "team-a", tier: "hot" }, "the bucket's own metadata, without the server's _nats.* keys");
    await store.putString("x", "compressed ".repeat(1000));
    assert.equal(await store.getString("x"), "compressed ".repeat(1000));
    const plain = await m.createObjectStore({ bucket: ctx.bucketName("plain") });
    const pst = await plain.status();
    assert.deepEqual([pst.compression, pst.metadata], [false, {}]);
  });

  t.test("updateObjectStore changes description, TTL, max bytes (and metadata, compression on 2.10+); objects stay", async (ctx) => {
    const nc = await ctx.connect();
    const m = objectStoreManager(nc);
    const bucket = ctx.bucketName("upd");
    await assert.rejects(() => m.updateObjectStore({ bucket, description: "x" }), NotFoundError, "BUCKET_NOT_FOUND");
    const store = await m.createObjectStore({ bucket, description: "one" });
    await store.putString("kept", "still here");
    const modern = atLeast(nc, 2, 10);
    const updated = await m.updateObjectStore({
      bucket, description: "two", ttl: 3_600_000, maxBytes: 20_000_000,
      ...(modern ? { metadata: { stage: "prod" }, compression: true } : {}),
    });
    const st = await updated.status();
    assert.deepEqual([st.description, st.ttl, st.maxBytes], ["two", 3_600_000, 20_000_000]);
    if (modern) {
      assert.deepEqual([st.metadata, st.compression], [{ stage: "prod" }, true]);
      assert.equal((await streamConfig(nc, bucket)).compression, "s2");
    }
    assert.equal(await updated.getString("kept"), "still here");
    assert.equal((await (await m.objectStore(bucket)).status()).description, "two");
    // what the server cannot change is refused, and the bucket stays as it was
    await assert.rejects(() => m.updateObjectStore({ bucket, storage: "memory" }), ObjectStoreError);
    assert.equal((await store.status()).storage, "file");
  });

  t.test("createOrUpdateObjectStore creates a missing bucket, then updates it", async (ctx) => {
    const m = objectStoreManager(await ctx.connect());
    const bucket = ctx.bucketName("cou");
    const created = await m.createOrUpdateObjectStore({ bucket, description: "first", maxBytes: 5_000_000 });
    assert.deepEqual([(await created.status()).description, (await created.status()).maxBytes], ["first", 5_000_000]);
    await created.putString("a", "b");
    const again = await m.createOrUpdateObjectStore({ bucket, description: "second" });
    const st = await again.status();
    assert.deepEqual([st.description, st.maxBytes], ["second", -1], "options not given return to their defaults");
    assert.equal(await again.getString("a"), "b");
  });

  t.test("the minimum server check compares the patch level: 2.6.1 is SERVER_TOO_OLD, 2.6.2 creates", async (ctx) => {
    const nc = await ctx.connect();
    // the real connection, with the version its server's INFO gives replaced
    const claiming = (version: string) => Object.create(nc, { info: { value: { ...nc.info!, version } } }) as NatsConnection;
    const bucket = ctx.bucketName("minver");
    for (const version of ["2.6.0", "2.6.1", "2.5.9", "1.9.9"]) {
      await assert.rejects(() => objectStoreManager(claiming(version)).createObjectStore({ bucket }), ObjectStoreError, "SERVER_TOO_OLD");
    }
    assert.ok(!(await objectStoreManager(nc).names()).includes(bucket), "nothing was created");
    const store = await objectStoreManager(claiming("2.6.2")).createObjectStore({ bucket });
    await store.putString("a", "b");
    assert.equal(await store.getString("a"), "b");
  });
}

/** True when the connected server is at least major.minor. */
function atLeast(nc: NatsConnection, major: number, minor: number): boolean {
  const [a, b] = (nc.info?.version ?? "0.0").split(".").map(Number);
  return a! > major || (a === major && b! >= minor);
}

/** The bucket's stream configuration, asked of the server directly. */
async function streamConfig(nc: NatsConnection, bucket: string): Promise<{ compression?: string; metadata?: Record<string, string> }> {
  const m = await nc.request(`$JS.API.STREAM.INFO.OBJ_${bucket}`, undefined, { timeout: 10_000 });
  return (JSON.parse(new TextDecoder().decode(m.data)) as { config: { compression?: string; metadata?: Record<string, string> } }).config;
}
