import type { ObjectInfo, ObjectWatcher } from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { freshBucket } from "../harness/fixtures.js";
import type { Suite } from "../harness/suite.js";

/**
 * Takes the next `n` entries from a watcher, however long they take to arrive (on a busy machine a
 * browser worker may take seconds): no deadline of its own, the test's time limit bounds the wait. Fails
 * when the watcher ends first.
 */
async function take(w: ObjectWatcher, n: number): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  while (out.length < n) {
    const e = await w.next();
    if (!e) break;
    out.push(e);
  }
  assert.equal(out.length, n, "entries received before the watcher ended");
  return out;
}

/** Watch tests wait for events, not deadlines: their time limit leaves room for a loaded machine. */
const WATCH_TEST = { timeoutMs: 60_000 };

export default function (t: Suite): void {
  t.test("list of an empty bucket is an empty array", async (ctx) => {
    const { store } = await freshBucket(ctx);
    assert.deepEqual(await store.list(), []);
  });

  t.test("list after deletes shows live objects, and delete markers only when asked", async (ctx) => {
    const { store } = await freshBucket(ctx);
    for (const n of ["a", "b", "c"]) await store.putString(n, n);
    await store.putString("a", "a2");
    await store.delete("b");
    const live = await store.list();
    assert.deepEqual(live.map((o) => o.name).sort(), ["a", "c"]);
    assert.equal(live.find((o) => o.name === "a")?.size, 2);
    const all = await store.list({ includeDeleted: true });
    assert.deepEqual(all.map((o) => `${o.name}:${o.deleted === true}`).sort(), ["a:false", "b:true", "c:false"]);
  });

  t.test("watch delivers the latest of each name, signals initialized, then live updates", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("a", "1");
    await store.putString("a", "22");
    await store.putString("b", "1");
    const w = await store.watch();
    await w.initialized;
    const seen = await take(w, 2);
    assert.deepEqual(seen.map((o) => `${o.name}:${o.size}`), ["a:2", "b:1"]);
    await store.putString("c", "333");
    await store.delete("a");
    const live = await take(w, 2);
    assert.deepEqual(live.map((o) => `${o.name}:${o.deleted === true}`), ["c:false", "a:true"]);
    w.stop();
    assert.equal(await w.next(), undefined);
  }, WATCH_TEST);

  t.test("watch of an empty bucket is initialized at once", async (ctx) => {
    const { store } = await freshBucket(ctx);
    const w = await store.watch();
    await w.initialized;
    await store.putString("x", "1");
    assert.deepEqual((await take(w, 1)).map((o) => o.name), ["x"]);
    w.stop();
  }, WATCH_TEST);

  t.test("watch with includeHistory delivers every stored meta in stream order", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("a", "1");
    await store.putString("b", "1");
    // metas are rolled up per name, so the stored history of "a" is its latest version
    await store.updateMeta("a", { name: "a", description: "d" });
    const w = await store.watch({ includeHistory: true });
    const all = await take(w, 2);
    assert.deepEqual(all.map((o) => `${o.name}:${o.description ?? ""}`), ["b:", "a:d"]);
    await w.initialized;
    await store.putString("b", "2");
    assert.deepEqual((await take(w, 1)).map((o) => `${o.name}:${o.size}`), ["b:1"]);
    w.stop();
  }, WATCH_TEST);

  t.test("watch with ignoreDeletes skips delete markers", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("a", "1");
    await store.putString("b", "1");
    await store.delete("a");
    const w = await store.watch({ ignoreDeletes: true });
    assert.deepEqual((await take(w, 1)).map((o) => o.name), ["b"]);
    await w.initialized;
    await store.delete("b");
    await store.putString("c", "1");
    assert.deepEqual((await take(w, 1)).map((o) => o.name), ["c"]);
    w.stop();
  }, WATCH_TEST);

  t.test("watch with updatesOnly skips the existing state", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("old", "1");
    const w = await store.watch({ updatesOnly: true });
    await w.initialized;
    await store.putString("new", "1");
    assert.deepEqual((await take(w, 1)).map((o) => o.name), ["new"]);
    w.stop();
  }, WATCH_TEST);

  t.test("breaking out of for-await stops the watcher", async (ctx) => {
    const { store } = await freshBucket(ctx);
    await store.putString("a", "1");
    const w = await store.watch();
    for await (const e of w) {
      assert.equal(e.name, "a");
      break;
    }
    assert.equal(await w.next(), undefined);
  }, WATCH_TEST);

  t.test("metas that are not valid JSON are skipped by list and watch, and reported", async (ctx) => {
    const { nc, store } = await freshBucket(ctx);
    await store.putString("good", "1");
    await nc.request(`$O.${store.bucket}.M.YmFk`, new TextEncoder().encode("{not json"));
    await nc.request(`$O.${store.bucket}.M.YmFkMg==`, new TextEncoder().encode(`{"size":1}`));
    const bad: string[] = [];
    const listed = await store.list({ onBadMeta: (s) => bad.push(s) });
    assert.deepEqual(listed.map((o) => o.name), ["good"]);
    assert.equal(bad.length, 2);
    const w = await store.watch({ onBadMeta: () => undefined });
    assert.deepEqual((await take(w, 1)).map((o) => o.name), ["good"]);
    await w.initialized;
    w.stop();
  }, WATCH_TEST);
}
