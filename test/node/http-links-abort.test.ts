/**
 * The HTTP layer (src/http/) against a real nats-server, with Node's own `Request`/`Response`:
 * - links are followed through the opener the handler was given: one that allows only some buckets
 *   never serves another bucket through a link stored in an allowed one; a cycle of links is 508;
 * - an aborted request (`request.signal`) stops the work: nothing is opened once it is aborted, a
 *   pending open is not waited for, and a range being streamed has its read (and consumer) ended;
 * - an object whose meta has no digest is served without an ETag and never as 304.
 *
 * Server: env NATS_WS_URL (test/run-all.ts), else a nats-server started here.
 */
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { connect, type NatsConnection } from "nats.ws";
import {
  NotFoundError, chunkSubject, handleObjectRequest, metaSubject, objectResponse, objectStoreManager, streamName,
  type BucketOpener, type ObjectStore, type ObjectStoreManager,
} from "../../src/index.js";
import { testBytes } from "../harness/fixtures.js";
import { testServer, uniqueBucket } from "../harness/node-server.js";

const ORIGIN = "http://objects.test";
const SECRET = new TextEncoder().encode("bucket B's secret bytes");
const BIG = testBytes(4 * 1024 * 1024, 9);
const enc = new TextEncoder();

let nc: NatsConnection;
let manager: ObjectStoreManager;
let a: ObjectStore;
let b: ObjectStore;
let c: ObjectStore;

before(async () => {
  nc = await connect({ servers: (await testServer()).ws });
  manager = objectStoreManager(nc);
  [a, b, c] = await Promise.all(["a", "b", "c"].map((p) => manager.createObjectStore({ bucket: uniqueBucket(`links_${p}`) })));
  await b.putBytes("secret", SECRET);
  await c.putString("shared", "bucket C's bytes");
  await a.putString("own", "bucket A's bytes");
  await a.putBytes("big.bin", BIG);
  await a.addLink("to-b", await b.getInfo("secret"));
  await a.addLink("to-c", await c.getInfo("shared"));
  await a.addLink("to-own", await a.getInfo("own"));
});

after(async () => {
  for (const s of [a, b, c]) if (s) await manager.deleteObjectStore(s.bucket).catch(() => undefined);
  await nc?.close();
});

/** An opener that opens only `allowed` buckets (others are "not found") and records what it was asked. */
function only(allowed: ObjectStore[], asked: string[] = []): BucketOpener {
  return {
    async objectStore(bucket: string) {
      asked.push(bucket);
      const store = allowed.find((s) => s.bucket === bucket);
      if (!store) throw new NotFoundError("BUCKET_NOT_FOUND", `bucket not found: ${bucket}`);
      return store;
    },
  };
}

const request = (bucket: string, name: string, init?: RequestInit) => new Request(`${ORIGIN}/nats/${bucket}/${encodeURIComponent(name)}`, init);

/** Publishes a meta by hand (the ADR-20 JSON), as another writer could. */
async function writeMeta(store: ObjectStore, meta: Record<string, unknown>): Promise<void> {
  await nc.request(metaSubject(store.bucket, meta.name as string), enc.encode(JSON.stringify({ bucket: store.bucket, mtime: new Date().toISOString(), ...meta })));
}

describe("http: links through the handler's opener", () => {
  test("a link into a bucket the opener refuses is not served", async () => {
    const asked: string[] = [];
    const res = (await handleObjectRequest(only([a], asked), request(a.bucket, "to-b")))!;
    const text = await res.text();
    assert.equal(res.status, 404, text);
    assert.equal(res.headers.get("x-object-store-error"), "BUCKET_NOT_FOUND");
    assert.ok(!text.includes("secret bytes"), text);
    assert.deepEqual(asked, [a.bucket, b.bucket], "the link's bucket was asked of the handler's opener");
    const head = (await handleObjectRequest(only([a]), request(a.bucket, "to-b", { method: "HEAD" })))!;
    assert.equal(head.status, 404);
    assert.equal(head.headers.get("content-length"), null);
  });

  test("links into allowed buckets and within the bucket are served", async () => {
    const opener = only([a, c]);
    const toC = (await handleObjectRequest(opener, request(a.bucket, "to-c")))!;
    assert.equal(toC.status, 200);
    assert.equal(await toC.text(), "bucket C's bytes");
    const own = (await handleObjectRequest(opener, request(a.bucket, "to-own", { headers: { Range: "bytes=7-7" } })))!;
    assert.equal(own.status, 206);
    assert.equal(await own.text(), "A");
    // objectResponse with an opener of its own follows links through it too
    const direct = await objectResponse(a, "to-b", new Request(`${ORIGIN}/x`), { opener: only([a]) });
    assert.equal(direct.status, 404);
    await direct.arrayBuffer();
  });

  test("a cycle of links is 508 LINK_CYCLE, not an endless chase", async () => {
    // addLink refuses links to links: write the metas by hand
    await writeMeta(a, { name: "loop-1", nuid: "LoopNuid00000000000001", size: 0, chunks: 0, options: { link: { bucket: a.bucket, name: "loop-2" } } });
    await writeMeta(a, { name: "loop-2", nuid: "LoopNuid00000000000002", size: 0, chunks: 0, options: { link: { bucket: a.bucket, name: "loop-1" } } });
    const res = (await handleObjectRequest(only([a]), request(a.bucket, "loop-1")))!;
    assert.equal(res.status, 508, await res.clone().text());
    assert.equal(res.headers.get("x-object-store-error"), "LINK_CYCLE");
    await res.arrayBuffer();
  });
});

describe("http: an aborted request stops the work", () => {
  test("a request aborted before it is handled opens nothing", async () => {
    const asked: string[] = [];
    const ac = new AbortController();
    ac.abort();
    const res = (await handleObjectRequest(only([a], asked), request(a.bucket, "own", { signal: ac.signal })))!;
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("x-object-store-error"), "ABORTED");
    await res.arrayBuffer();
    assert.deepEqual(asked, [], "no bucket was opened");
  });

  test("an abort while the bucket is being opened answers at once, without waiting for the open", async () => {
    let release!: (s: ObjectStore) => void;
    const opening = new Promise<ObjectStore>((r) => (release = r));
    let asked!: () => void;
    const wasAsked = new Promise<void>((r) => (asked = r));
    const slow: BucketOpener = { objectStore: () => (asked(), opening) };
    const ac = new AbortController();
    const answer = handleObjectRequest(slow, request(a.bucket, "own", { signal: ac.signal }));
    await wasAsked;
    ac.abort();
    let released = false;
    // the open is released only after the answer came, or, if it never comes, after a long while
    const backstop = setTimeout(() => { released = true; release(a); }, 20_000);
    const res = (await answer)!;
    clearTimeout(backstop);
    assert.equal(released, false, "the answer waited for the open");
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("x-object-store-error"), "ABORTED");
    await res.arrayBuffer();
    release(a);
  });

  test("aborting a request whose range is streaming ends the read and deletes its consumer", async () => {
    const jsm = await nc.jetstreamManager();
    const consumers = async () => (await jsm.streams.info(streamName(a.bucket))).state.consumer_count;
    for (const headers of [{ Range: "bytes=1000-" }, {}] as Record<string, string>[]) {
      const ac = new AbortController();
      const res = (await handleObjectRequest(manager, request(a.bucket, "big.bin", { signal: ac.signal, headers })))!;
      assert.equal(res.status, headers.Range ? 206 : 200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.ok(first.value && first.value.length > 0, "a first piece");
      assert.equal(await consumers(), 1, "one consumer while reading");
      ac.abort(); // the client went away; nobody reads or cancels the body
      // the consumer's own inactivity threshold is 30 s: it must go well before, deleted by the reader
      const deadline = Date.now() + 15_000;
      while ((await consumers()) !== 0) {
        assert.ok(Date.now() < deadline, `the consumer is still there 15 s after the abort (${JSON.stringify(headers)})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      reader.releaseLock();
    }
  });
});

describe("http: an object without a digest", () => {
  test("is served without an ETag, and never as 304", async () => {
    const data = testBytes(3000, 4);
    const nuid = "HttpNoDigest0000000001";
    await nc.request(chunkSubject(a.bucket, nuid), data);
    await writeMeta(a, { name: "unverified.bin", nuid, size: data.length, chunks: 1 });
    for (const headers of [{}, { "If-None-Match": "*" }, { "If-Modified-Since": new Date(Date.now() + 86_400_000).toUTCString() }] as Record<string, string>[]) {
      const res = await objectResponse(a, "unverified.bin", new Request(`${ORIGIN}/x`, { headers }));
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.equal(res.headers.get("etag"), null, "no entity tag for bytes that cannot be verified");
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), data);
    }
    const range = await objectResponse(a, "unverified.bin", new Request(`${ORIGIN}/x`, { headers: { Range: "bytes=0-9" } }));
    assert.equal(range.status, 206);
    assert.equal(range.headers.get("etag"), null);
    assert.deepEqual(new Uint8Array(await range.arrayBuffer()), data.subarray(0, 10));
    // an object with a digest keeps its ETag and 304
    const tagged = await objectResponse(a, "own", new Request(`${ORIGIN}/x`));
    const etag = tagged.headers.get("etag");
    assert.ok(etag?.startsWith('"SHA-256='), String(etag));
    await tagged.arrayBuffer();
    const again = await objectResponse(a, "own", new Request(`${ORIGIN}/x`, { headers: { "If-None-Match": etag! } }));
    assert.equal(again.status, 304);
  });
});
