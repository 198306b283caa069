/**
 * A server that stalls (SIGSTOP) while a put publishes its meta: the put cannot know whether the meta
 * landed, so it must purge nothing. When the server resumes, the name holds either the new version or
 * the old one, readable and verified, never a meta whose chunks were purged behind it.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { connect, type NatsConnection } from "nats.ws";
import { nodeSha256, objectStoreManager, ServerError, type HasherFactory, type ObjectStore } from "../../src/index.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { testBytes } from "../harness/fixtures.js";

let server: NatsServer;
let nc: NatsConnection;
let store: ObjectStore;
let stopped = false;

before(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  store = await objectStoreManager(nc, { timeout: 1500 }).createObjectStore({ bucket: "stall" });
});
after(async () => {
  if (stopped) process.kill(server.pid, "SIGCONT");
  await nc?.close();
  await server?.stop();
});

/**
 * Waits (synchronously: a hasher's digest() is not async) until every thread of `pid` is stopped, as
 * /proc shows: a signal is delivered asynchronously, and on a busy machine the server could otherwise
 * still answer the meta publish sent right after.
 */
function waitUntilStopped(pid: number): void {
  const tasks = `/proc/${pid}/task`;
  for (let i = 0; i < 100_000; i++) {
    const state = (t: string) => {
      try {
        return /\) (\S)/.exec(readFileSync(`${tasks}/${t}/stat`, "utf8"))?.[1];
      } catch {
        return "T"; // a thread that ended meanwhile
      }
    };
    const states = readdirSync(tasks).map(state);
    if (states.every((st) => st === "T" || st === "t")) return;
  }
  throw new Error(`nats-server ${pid} did not stop`);
}

/** The node:crypto hasher, stopping the server the moment the put asks for its digest: just before the meta goes out. */
function stallingHasher(): HasherFactory {
  return async () => {
    const inner = await nodeSha256!();
    return {
      update: (data: Uint8Array) => inner.update(data),
      digest: () => {
        process.kill(server.pid, "SIGSTOP");
        stopped = true;
        waitUntilStopped(server.pid);
        return inner.digest();
      },
    };
  };
}

test("a put whose meta publish meets a stalled server fails without purging; afterwards one whole version is readable", { timeout: 120_000 }, async () => {
  const before = testBytes(200_000, 1);
  const after = testBytes(300_000, 2);
  await store.putBytes("doc", before, { chunkSize: 16_384 });
  const failed = await store.putBytes("doc", after, { chunkSize: 16_384, hasher: stallingHasher(), reconnectWaitMs: 2_000 })
    .then(() => "resolved", (err: unknown) => err);
  assert.ok(failed instanceof ServerError && failed.code === "TIMEOUT", `the put fails with TIMEOUT (${String(failed)})`);
  process.kill(server.pid, "SIGCONT");
  stopped = false;
  // whatever a read finds while the server catches up is one whole version, verified
  const result = await store.get("doc");
  const bytes = await result.bytes(); // verifies size, chunk count and digest
  assert.ok(Buffer.from(bytes).equals(Buffer.from(result.info.size === after.length ? after : before)), "one whole version");
  // the meta queued behind the stall lands (its re-sends carry the same message id: stored once)
  let info = await store.getInfo("doc");
  for (let i = 0; i < 100 && info.size !== after.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    info = await store.getInfo("doc");
  }
  assert.equal(info.size, after.length, "the new version's meta landed once the server resumed");
  // the put never learnt its meta landed, so the old version's chunks are left for purgeOrphanChunks
  const orphans = await store.purgeOrphanChunks({ minAgeMs: 0 });
  assert.equal(orphans.nuids.length, 1, "only the old version's chunks were orphaned");
  assert.ok(Buffer.from(await store.getBytes("doc")).equals(Buffer.from(after)));
  assert.equal((await store.status()).messages, info.chunks + 1, "one meta and the live version's chunks");
});
