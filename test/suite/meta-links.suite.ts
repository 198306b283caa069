import { ConflictError, LinkError, NotFoundError, objectStoreManager } from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { freshBucket, testBytes } from "../harness/fixtures.js";
import type { Suite } from "../harness/suite.js";

export default function (t: Suite): void {
  t.test("delete then get is OBJECT_NOT_FOUND, and the chunks are gone", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putBytes("d", testBytes(300_000));
    await store.delete("d");
    await assert.rejects(() => store.get("d"), NotFoundError, "OBJECT_NOT_FOUND");
    await assert.rejects(() => store.getInfo("d"), NotFoundError, "OBJECT_NOT_FOUND");
    assert.equal((await store.status()).messages, 1, "only the delete marker is left");
    await store.delete("d"); // deleting a deleted object is a no-op
  });

  t.test("getInfo with showDeleted returns the delete marker", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("d", "x");
    await store.delete("d");
    const info = await store.getInfo("d", { showDeleted: true });
    assert.equal(info.deleted, true);
    assert.equal(info.size, 0);
    assert.equal(info.chunks, 0);
    assert.equal(info.digest, undefined);
  });

  t.test("updateMeta changes description, headers and metadata and keeps the data", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("m", "data");
    const updated = await store.updateMeta("m", { name: "m", description: "desc", headers: { A: ["1", "2"] }, metadata: { k: "v" } });
    const info = await store.getInfo("m");
    assert.equal(info.description, "desc");
    assert.deepEqual(info.headers, { A: ["1", "2"] });
    assert.deepEqual(info.metadata, { k: "v" });
    assert.equal(info.revision, updated.revision);
    assert.equal(await store.getString("m"), "data");
  });

  t.test("rename moves the object and leaves a delete marker on the old name", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("old", "data");
    await store.updateMeta("old", { name: "new" });
    assert.equal(await store.getString("new"), "data");
    await assert.rejects(() => store.getInfo("old"), NotFoundError, "OBJECT_NOT_FOUND");
    assert.ok((await store.getInfo("old", { showDeleted: true })).deleted, "the old name holds a delete marker");
    assert.deepEqual((await store.list()).map((o) => o.name), ["new"]);
  });

  t.test("renaming onto an existing name is OBJECT_ALREADY_EXISTS", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("a", "A");
    await store.putString("b", "B");
    await assert.rejects(() => store.updateMeta("a", { name: "b" }), ConflictError, "OBJECT_ALREADY_EXISTS");
    assert.equal(await store.getString("a"), "A");
    assert.equal(await store.getString("b"), "B");
  });

  t.test("updating a deleted object is UPDATE_DELETED", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("a", "A");
    await store.delete("a");
    await assert.rejects(() => store.updateMeta("a", { name: "a", description: "x" }), ConflictError, "UPDATE_DELETED");
  });

  t.test("a link reads as its target, in the same bucket and across buckets", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const other = await objectStoreManager(nc).createObjectStore({ bucket: ctx.bucketName("other") });
    const target = await other.putString("target", "linked data");
    const local = await store.putString("local", "local data");
    const l1 = await store.addLink("to-other", target);
    await store.addLink("to-local", local);
    assert.deepEqual(l1.options?.link, { bucket: other.bucket, name: "target" });
    assert.ok(l1.nuid.length > 0, "links carry a nuid (nats.go needs one)");
    assert.equal(await store.getString("to-other"), "linked data");
    assert.equal(await store.getString("to-local"), "local data");
    assert.equal((await store.get("to-other")).info.name, "target");
  });

  t.test("a link to a link is LINK_TO_LINK", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const obj = await store.putString("o", "x");
    const link = await store.addLink("l", obj);
    await assert.rejects(() => store.addLink("l2", link), LinkError, "LINK_TO_LINK");
  });

  t.test("a link to a deleted object is LINK_TO_DELETED", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("o", "x");
    await store.delete("o");
    const deleted = await store.getInfo("o", { showDeleted: true });
    await assert.rejects(() => store.addLink("l", deleted), LinkError, "LINK_TO_DELETED");
  });

  t.test("a link never replaces a live object, but may replace a link or a deleted object", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const a = await store.putString("a", "A");
    const b = await store.putString("b", "B");
    await assert.rejects(() => store.addLink("b", a), ConflictError, "OBJECT_ALREADY_EXISTS");
    await store.addLink("l", a);
    await store.addLink("l", b);
    assert.equal(await store.getString("l"), "B");
    await store.putString("gone", "x");
    await store.delete("gone");
    await store.addLink("gone", a);
    assert.equal(await store.getString("gone"), "A");
  });

  t.test("get of a bucket link is LINK_IS_BUCKET", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    const other = await objectStoreManager(nc).createObjectStore({ bucket: ctx.bucketName("other") });
    const info = await store.addBucketLink("bl", other);
    assert.deepEqual(info.options?.link, { bucket: other.bucket });
    await assert.rejects(() => store.get("bl"), LinkError, "LINK_IS_BUCKET");
  });

  t.test("deleting a link leaves its target", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const o = await store.putString("o", "x");
    await store.addLink("l", o);
    await store.delete("l");
    assert.equal(await store.getString("o"), "x");
    await assert.rejects(() => store.get("l"), NotFoundError, "OBJECT_NOT_FOUND");
  });
}
