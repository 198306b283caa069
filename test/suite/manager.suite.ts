import { ConflictError, objectStoreManager } from "../../src/index.js";
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
}
