/**
 * objectResponse and handleObjectRequest (src/http/) against a real nats-server, with Node's own
 * `Request`/`Response`: status codes, exact bodies and headers for whole objects, ranges (across chunk
 * boundaries), HEAD, conditional requests, media types, downloads, links, missing objects and buckets,
 * URL prefixes and names with `/`, blanks and non-ASCII, and that cancelling a body ends the read.
 *
 * Server: env NATS_WS_URL (test/run-all.ts), else a nats-server started here.
 */
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { connect, type NatsConnection } from "nats.ws";
import {
  handleObjectRequest, objectPath, objectResponse, objectStoreManager, parseObjectPath, streamName,
  type ObjectStore, type ObjectStoreManager,
} from "../../src/index.js";
import { testBytes } from "../harness/fixtures.js";
import { testServer, uniqueBucket } from "../harness/node-server.js";

const SIZE = 10_000;
const DATA = testBytes(SIZE, 5);
const BIG = testBytes(3 * 1024 * 1024, 6);
const ODD_NAME = "dir/sub dir/ünï ✓ #1?.txt";
const ORIGIN = "http://objects.test";

let nc: NatsConnection;
let manager: ObjectStoreManager;
let store: ObjectStore;
let bucket: string;

before(async () => {
  nc = await connect({ servers: (await testServer()).ws });
  manager = objectStoreManager(nc);
  bucket = uniqueBucket("http");
  store = await manager.createObjectStore({ bucket });
  await store.putBytes("data.bin", DATA, { chunkSize: 1024 });
  await store.putBytes("big.bin", BIG);
  await store.put({ name: "typed", headers: { "content-type": ["text/x-custom"] } }, new TextEncoder().encode("typed"));
  await store.put({ name: "meta-typed", metadata: { "Content-Type": "application/x-meta" } }, new TextEncoder().encode("m"));
  await store.putString("clip.webm", "not really a video");
  await store.putString("noext", "?");
  await store.putString(ODD_NAME, "odd name");
  await store.putBytes("empty.txt", new Uint8Array(0));
  await store.addLink("latest", await store.getInfo("data.bin"));
  await store.putString("gone.txt", "soon deleted");
  await store.delete("gone.txt");
});

after(async () => {
  await manager?.deleteObjectStore(bucket).catch(() => undefined);
  await nc?.close();
});

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest();
const etagOf = (b: Uint8Array) => `"SHA-256=${sha256(b).toString("base64url")}="`;

/** A request for an object of the test bucket (through objectResponse directly). */
async function get(name: string, headers: Record<string, string> = {}, method = "GET", query = ""): Promise<Response> {
  return objectResponse(store, name, new Request(`${ORIGIN}/x${query}`, { method, headers }));
}

async function body(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

async function assertBody(res: Response, expected: Uint8Array): Promise<void> {
  const got = await body(res);
  assert.equal(got.length, expected.length, "body length");
  assert.ok(Buffer.from(got).equals(Buffer.from(expected)), "body bytes differ");
}

describe("http: objectResponse", () => {
  test("GET: 200 with the whole body and the representation's headers", async () => {
    const info = await store.getInfo("data.bin");
    const res = await get("data.bin");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(SIZE));
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal(res.headers.get("accept-ranges"), "bytes");
    assert.equal(res.headers.get("etag"), etagOf(DATA));
    assert.equal(res.headers.get("last-modified"), new Date(info.mtime).toUTCString());
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.equal(res.headers.get("content-disposition"), `inline; filename="data.bin"; filename*=UTF-8''data.bin`);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("content-security-policy"), "sandbox");
    assert.equal(res.headers.get("content-range"), null);
    await assertBody(res, DATA);
  });

  test("Range: 206 with exactly the asked bytes and Content-Range, across chunk boundaries", async () => {
    const cases: [string, number, number][] = [
      ["bytes=10-19", 10, 19],
      ["bytes=1000-3071", 1000, 3071], // chunks of 1024: starts inside one, ends at another's last byte
      ["bytes=1023-1024", 1023, 1024],
      ["bytes=-500", SIZE - 500, SIZE - 1],
      ["bytes=9990-", 9990, SIZE - 1],
      ["bytes=9995-20000", 9995, SIZE - 1],
      ["bytes=0-", 0, SIZE - 1],
      ["bytes=-99999", 0, SIZE - 1],
      ["BYTES= 5-5", 5, 5],
    ];
    for (const [range, start, end] of cases) {
      const res = await get("data.bin", { Range: range });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/${SIZE}`, range);
      assert.equal(res.headers.get("content-length"), String(end - start + 1), range);
      assert.equal(res.headers.get("etag"), etagOf(DATA), range);
      await assertBody(res, DATA.subarray(start, end + 1));
    }
  });

  test("Range: 416 with Content-Range bytes */size when no byte is inside", async () => {
    for (const range of ["bytes=10000-", "bytes=20000-30000", "bytes=-0", "bytes=10000-10000, 20000-"]) {
      const res = await get("data.bin", { Range: range });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get("content-range"), `bytes */${SIZE}`, range);
      assert.equal(res.headers.get("x-object-store-error"), "RANGE_NOT_SATISFIABLE", range);
      await res.arrayBuffer();
    }
    const empty = await get("empty.txt", { Range: "bytes=0-" });
    assert.equal(empty.status, 416);
    assert.equal(empty.headers.get("content-range"), "bytes */0");
  });

  test("Range with invalid syntax, another unit or several ranges: the whole object (200)", async () => {
    for (const range of ["bytes=5-2", "items=0-1", "bytes=0-1,5-6", "bytes=abc"]) {
      const res = await get("data.bin", { Range: range });
      assert.equal(res.status, 200, range);
      assert.equal(res.headers.get("content-range"), null, range);
      await assertBody(res, DATA);
    }
  });

  test("HEAD: the headers of a GET with no body; Range is ignored", async () => {
    const res = await get("data.bin", {}, "HEAD");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), String(SIZE));
    assert.equal(res.headers.get("etag"), etagOf(DATA));
    assert.equal(res.body, null);
    const ranged = await get("data.bin", { Range: "bytes=0-9" }, "HEAD");
    assert.equal(ranged.status, 200);
    assert.equal(ranged.headers.get("content-length"), String(SIZE));
    const missing = await get("nope", {}, "HEAD");
    assert.equal(missing.status, 404);
    assert.equal(missing.body, null);
  });

  test("If-None-Match and If-Modified-Since: 304 without a body when current, 200 otherwise", async () => {
    const etag = etagOf(DATA);
    const info = await store.getInfo("data.bin");
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await get("data.bin", { "If-None-Match": inm });
      assert.equal(res.status, 304, inm);
      assert.equal(res.headers.get("etag"), etag, inm);
      assert.equal(res.headers.get("cache-control"), "no-cache", inm);
      assert.equal(res.body, null, inm);
    }
    const stale = await get("data.bin", { "If-None-Match": '"SHA-256=stale="' });
    assert.equal(stale.status, 200);
    await assertBody(stale, DATA);
    const later = new Date(Date.parse(info.mtime) + 5000).toUTCString();
    const earlier = new Date(Date.parse(info.mtime) - 5000).toUTCString();
    assert.equal((await get("data.bin", { "If-Modified-Since": later })).status, 304);
    const changed = await get("data.bin", { "If-Modified-Since": earlier });
    assert.equal(changed.status, 200);
    await changed.arrayBuffer();
    // If-None-Match wins over If-Modified-Since
    const both = await get("data.bin", { "If-None-Match": '"x"', "If-Modified-Since": later });
    assert.equal(both.status, 200);
    await both.arrayBuffer();
  });

  test("If-Range: the range when the tag or date matches, the whole object (200) when it does not", async () => {
    const etag = etagOf(DATA);
    const info = await store.getInfo("data.bin");
    const ok = await get("data.bin", { Range: "bytes=0-9", "If-Range": etag });
    assert.equal(ok.status, 206);
    await assertBody(ok, DATA.subarray(0, 10));
    const byDate = await get("data.bin", { Range: "bytes=0-9", "If-Range": new Date(info.mtime).toUTCString() });
    assert.equal(byDate.status, 206);
    await byDate.arrayBuffer();
    for (const ifRange of ['"SHA-256=another="', `W/${etag}`, new Date(Date.parse(info.mtime) - 60_000).toUTCString()]) {
      const res = await get("data.bin", { Range: "bytes=0-9", "If-Range": ifRange });
      assert.equal(res.status, 200, ifRange);
      await assertBody(res, DATA);
    }
  });

  test("Content-Type: the object's header (any key case), its metadata, its extension, else octet-stream", async () => {
    const cases: [string, string][] = [
      ["typed", "text/x-custom"],
      ["meta-typed", "application/x-meta"],
      ["clip.webm", "video/webm"],
      [ODD_NAME, "text/plain; charset=utf-8"],
      ["noext", "application/octet-stream"],
    ];
    for (const [name, type] of cases) {
      const res = await get(name);
      assert.equal(res.headers.get("content-type"), type, name);
      await res.arrayBuffer();
    }
  });

  test("?download: an attachment named after the object (or the value given)", async () => {
    const res = await get(ODD_NAME, {}, "GET", "?download");
    assert.equal(res.headers.get("content-disposition"), `attachment; filename="_n_ _ #1?.txt"; filename*=UTF-8''%C3%BCn%C3%AF%20%E2%9C%93%20%231%3F.txt`);
    await res.arrayBuffer();
    const named = await get("data.bin", {}, "GET", "?download=backup.bin");
    assert.equal(named.headers.get("content-disposition"), `attachment; filename="backup.bin"; filename*=UTF-8''backup.bin`);
    await named.arrayBuffer();
  });

  test("a link serves its target's bytes and entity tag", async () => {
    const res = await get("latest", { Range: "bytes=100-199" });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get("etag"), etagOf(DATA));
    await assertBody(res, DATA.subarray(100, 200));
    const whole = await get("latest");
    assert.equal(whole.status, 200);
    await assertBody(whole, DATA);
  });

  test("an empty object: 200 with Content-Length 0", async () => {
    const res = await get("empty.txt");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), "0");
    await assertBody(res, new Uint8Array(0));
  });

  test("404 for a missing or deleted object, 405 with Allow for other methods", async () => {
    for (const name of ["no such object", "gone.txt"]) {
      const res = await get(name);
      assert.equal(res.status, 404, name);
      assert.equal(res.headers.get("x-object-store-error"), "OBJECT_NOT_FOUND", name);
      assert.match(await res.text(), /^OBJECT_NOT_FOUND: /);
    }
    for (const method of ["POST", "PUT", "DELETE"]) {
      const res = await get("data.bin", {}, method);
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "GET, HEAD", method);
      assert.equal(res.headers.get("x-object-store-error"), "METHOD_NOT_ALLOWED", method);
      await res.arrayBuffer();
    }
  });

  test("cancelling a response body stops the read: its consumer is deleted", async () => {
    const jsm = await nc.jetstreamManager();
    const consumers = async () => (await jsm.streams.info(streamName(bucket))).state.consumer_count;
    for (const headers of [{}, { Range: "bytes=1000-" }] as Record<string, string>[]) {
      const res = await get("big.bin", headers);
      const reader = res.body!.getReader();
      const first = await reader.read();
      assert.ok(first.value && first.value.length > 0, "a first piece");
      assert.equal(await consumers(), 1, "one consumer while reading");
      await reader.cancel();
      const deadline = Date.now() + 5000;
      while ((await consumers()) !== 0) {
        assert.ok(Date.now() < deadline, "the consumer is still there 5 s after the cancel");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
});

describe("http: handleObjectRequest", () => {
  const request = (path: string, init?: RequestInit) => new Request(`${ORIGIN}${path}`, init);

  test("URLs outside the prefix are left to the caller (undefined)", async () => {
    for (const path of ["/", "/nats", "/natsx/b/n", "/other/nats/b/n", `/files/${bucket}/data.bin`]) {
      assert.equal(await handleObjectRequest(manager, request(path)), undefined, path);
    }
    assert.equal(await handleObjectRequest(manager, request(`/nats/${bucket}/data.bin`), { prefix: "/files" }), undefined);
  });

  test("names with /, blanks and non-ASCII round-trip through objectPath and the router", async () => {
    const path = objectPath(bucket, ODD_NAME);
    assert.equal(path, `/nats/${bucket}/dir/sub%20dir/%C3%BCn%C3%AF%20%E2%9C%93%20%231%3F.txt`);
    assert.deepEqual(parseObjectPath(`${ORIGIN}${path}`), { bucket, name: ODD_NAME });
    const res = await handleObjectRequest(manager, request(path));
    assert.equal(res?.status, 200);
    assert.equal(await res.text(), "odd name");
    // %2F and / are the same name
    const slashes = await handleObjectRequest(manager, request(`/nats/${bucket}/dir%2Fsub%20dir%2F%C3%BCn%C3%AF%20%E2%9C%93%20%231%3F.txt`));
    assert.equal(await slashes?.text(), "odd name");
    // a name with a ".." part is encoded whole, so URL parsing cannot resolve it away
    assert.equal(objectPath("b", "a/../c"), "/nats/b/a%2F..%2Fc");
    assert.deepEqual(parseObjectPath(new URL(`${ORIGIN}${objectPath("b", "a/../c")}`)), { bucket: "b", name: "a/../c" });
  });

  test("a custom prefix, with or without slashes, and ranges through the router", async () => {
    for (const prefix of ["/api/objects", "api/objects/", "/api/objects/"]) {
      const res = await handleObjectRequest(manager, request(`/api/objects/${bucket}/data.bin`, { headers: { Range: "bytes=-10" } }), { prefix });
      assert.equal(res?.status, 206, prefix);
      assert.equal(res.headers.get("content-range"), `bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`);
      await assertBody(res, DATA.subarray(SIZE - 10));
    }
  });

  test("404 BUCKET_NOT_FOUND for a missing bucket, 400 for a malformed path, extra headers on every response", async () => {
    const headers = { "Access-Control-Allow-Origin": "*" };
    const missing = await handleObjectRequest(manager, request(`/nats/${bucket}_none/x.bin`), { headers });
    assert.equal(missing?.status, 404);
    assert.equal(missing.headers.get("x-object-store-error"), "BUCKET_NOT_FOUND");
    assert.equal(missing.headers.get("access-control-allow-origin"), "*");
    await missing.arrayBuffer();
    for (const [path, code] of [[`/nats/${bucket}/`, "NAME_REQUIRED"], ["/nats//x", "INVALID_STORE_NAME"], [`/nats/${bucket}/%E0%A4%A`, "INVALID_ARGUMENT"], ["/nats/bad.bucket/x", "INVALID_STORE_NAME"]] as const) {
      const res = await handleObjectRequest(manager, request(path), { headers });
      assert.equal(res?.status, 400, path);
      assert.equal(res.headers.get("x-object-store-error"), code, path);
      await res.arrayBuffer();
    }
    const ok = await handleObjectRequest(manager, request(`/nats/${bucket}/data.bin`), { headers, cacheControl: "max-age=60", contentSecurityPolicy: "" });
    assert.equal(ok?.headers.get("access-control-allow-origin"), "*");
    assert.equal(ok.headers.get("cache-control"), "max-age=60");
    assert.equal(ok.headers.get("content-security-policy"), null);
    await ok.arrayBuffer();
  });
});
