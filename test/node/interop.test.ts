/**
 * Wire compatibility with the official JavaScript clients, used as live peers against the same server:
 * the object store bundled in nats.ws 1.30.3 (over WebSocket) and @nats-io/obj 3.x (over TCP).
 * Objects written by either are read by this library, and the reverse.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect as wsConnect, type NatsConnection } from "nats.ws";
import { connect as tcpConnect } from "@nats-io/transport-node";
import { Objm, type ObjectStore as PeerStore } from "@nats-io/obj";
import { objectStoreManager, type ObjectStore } from "../../src/index.js";
import { testServer, uniqueBucket, type ServerUrls } from "../harness/node-server.js";
import { readAll, testBytes } from "../harness/fixtures.js";
import { connectWith, fileClient } from "../harness/node-clients.js";

const CHUNK = 128 * 1024;
const SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * 1024 * 1024 + 17];
/** Names the nats.ws 1.30.3 store can encode (it uses btoa, Latin-1 only). */
const LATIN1_NAMES = ["plain.txt", "with space", "a.b.c", "dir/sub/file.bin", "x".repeat(1500)];
/** A Latin-1 name: the JS clients encode its Latin-1 bytes, nats.go and ours its UTF-8 bytes. */
const LATIN1_ACCENTED = "café crème.txt";
/** Names only a UTF-8 name codec handles. */
const UNICODE_NAMES = ["日本語/ファイル.txt", "emoji 🎉", "ünïcödé"];

let urls: ServerUrls;

/** Same bytes, whatever the array type (Buffer or Uint8Array). */
function sameBytes(actual: Uint8Array | null, expected: Uint8Array, what: string): void {
  assert.ok(actual, `${what}: no data`);
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: bytes differ (${actual.length} vs ${expected.length})`);
}

function streamOf(data: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({ start(c) { if (data.length) c.enqueue(data); c.close(); } });
}

describe("interop with the nats.ws 1.30.3 bundled object store", { skip: fileClient() !== "nats.ws" && "the nats.ws store runs in interop.test.ts" }, () => {
  let nc: NatsConnection;
  before(async () => {
    urls = await testServer();
    nc = await wsConnect({ servers: urls.ws });
  });
  after(async () => { await nc.close(); });

  test("objects it writes are read by ours, every size and name", async () => {
    const bucket = uniqueBucket("wspeer");
    const peer = await nc.jetstream().views.os(bucket);
    const ours = await objectStoreManager(nc).objectStore(bucket);
    for (const size of SIZES) {
      const data = testBytes(size, size + 1);
      await peer.put({ name: `s${size}` }, streamOf(data));
      sameBytes(await ours.getBytes(`s${size}`), data, `size ${size}`);
    }
    for (const name of LATIN1_NAMES) {
      await peer.put({ name }, streamOf(new TextEncoder().encode(name)));
      assert.equal(await ours.getString(name), name);
    }
  });

  test("objects ours writes are read by it, every size and name", async () => {
    const bucket = uniqueBucket("wsours");
    const ours = await objectStoreManager(nc).createObjectStore({ bucket });
    const peer = await nc.jetstream().views.os(bucket);
    for (const size of SIZES) {
      const data = testBytes(size, size + 2);
      await ours.putBytes(`s${size}`, data);
      const res = await peer.get(`s${size}`);
      assert.ok(res, `peer finds s${size}`);
      sameBytes(await readAll(res.data), data, `size ${size}`);
      assert.ok(!(await res.error), "peer verified our digest");
    }
    for (const name of LATIN1_NAMES) {
      await ours.putString(name, name);
      const res = await peer.get(name);
      assert.equal(new TextDecoder().decode(await readAll(res!.data)), name);
    }
    const listed = (await peer.list()).map((o) => o.name).sort();
    assert.equal(listed.length, SIZES.length + LATIN1_NAMES.length);
  });

  test("unicode names, which it cannot encode, are handled by ours", async () => {
    const bucket = uniqueBucket("wsuni");
    const ours = await objectStoreManager(nc).createObjectStore({ bucket });
    for (const name of UNICODE_NAMES) await ours.putString(name, name);
    for (const name of UNICODE_NAMES) assert.equal(await ours.getString(name), name);
    await assert.rejects(() => nc.jetstream().views.os(bucket).then((p) => p.put({ name: UNICODE_NAMES[0]! }, streamOf(new Uint8Array(1)))));
  });
});

describe(`interop with @nats-io/obj 3.x (TCP; ours over ${fileClient()})`, () => {
  let ncTcp: Awaited<ReturnType<typeof tcpConnect>>;
  let ncWs: NatsConnection;
  let objm: Objm;
  before(async () => {
    urls = await testServer();
    ncTcp = await tcpConnect({ servers: urls.tcp });
    // ours over this file's client: nats.ws here, the v3 wsconnect() in interop-v3.test.ts
    ncWs = await connectWith({ ws: urls.ws, tcp: urls.tcp, transport: fileClient() });
    objm = new Objm(ncTcp);
  });
  after(async () => {
    await ncTcp.close();
    await ncWs.close();
  });

  test("a bucket it creates is opened by ours, and its objects read, every size and name", async () => {
    const bucket = uniqueBucket("objpeer");
    const peer: PeerStore = await objm.create(bucket);
    const ours = await objectStoreManager(ncWs).objectStore(bucket);
    for (const size of SIZES) {
      const data = testBytes(size, size + 3);
      await peer.putBlob({ name: `s${size}` }, data);
      sameBytes(await ours.getBytes(`s${size}`), data, `size ${size}`);
      const theirs = await peer.info(`s${size}`);
      const mine = await ours.getInfo(`s${size}`);
      assert.equal(mine.digest, theirs?.digest);
      assert.equal(mine.chunks, theirs?.chunks);
    }
    for (const name of [...LATIN1_NAMES, LATIN1_ACCENTED]) {
      await peer.putBlob({ name, description: "from peer", metadata: { k: "v" } }, new TextEncoder().encode(name));
      assert.equal(await ours.getString(name), name);
      const info = await ours.getInfo(name);
      assert.equal(info.description, "from peer");
      assert.deepEqual(info.metadata, { k: "v" });
    }
  });

  test("a bucket ours creates is opened by it, and our objects read, every size and name", async () => {
    const bucket = uniqueBucket("objours");
    const ours = await objectStoreManager(ncWs).createObjectStore({ bucket, description: "ours" });
    const peer = await objm.open(bucket);
    for (const size of SIZES) {
      const data = testBytes(size, size + 4);
      await ours.putBytes(`s${size}`, data);
      sameBytes(await peer.getBlob(`s${size}`), data, `size ${size}`);
    }
    for (const name of LATIN1_NAMES) {
      await ours.putString(name, name);
      assert.equal(new TextDecoder().decode((await peer.getBlob(name))!), name);
    }
    // it looks names up by their Latin-1 bytes, so it cannot find a UTF-8 (nats.go style) accented name:
    // pinned here so a change in either client shows up
    await ours.putString(LATIN1_ACCENTED, "x");
    assert.equal(await peer.getBlob(LATIN1_ACCENTED), null);
    assert.equal((await peer.status()).description, "ours");
  });

  test("links made by either side are followed by the other", async () => {
    const bucket = uniqueBucket("objlink");
    const peer = await objm.create(bucket);
    const ours = await objectStoreManager(ncWs).objectStore(bucket);
    const target = await peer.putBlob({ name: "target" }, new TextEncoder().encode("T"));
    await peer.link("their-link", target);
    assert.equal(await ours.getString("their-link"), "T");
    await ours.addLink("our-link", await ours.getInfo("target"));
    assert.equal(new TextDecoder().decode((await peer.getBlob("our-link"))!), "T");
    const otherName = uniqueBucket("objlink2");
    const other = await objm.create(otherName);
    await peer.linkStore("their-bucket-link", other);
    const bl = await ours.getInfo("their-bucket-link");
    assert.deepEqual(bl.options?.link, { bucket: otherName });
    await assert.rejects(() => ours.get("their-bucket-link"), { code: "LINK_IS_BUCKET" });
  });

  test("deletes by either side are seen by the other", async () => {
    const bucket = uniqueBucket("objdel");
    const peer = await objm.create(bucket);
    const ours: ObjectStore = await objectStoreManager(ncWs).objectStore(bucket);
    await peer.putBlob({ name: "a" }, new Uint8Array(300_000));
    await ours.putBytes("b", new Uint8Array(300_000));
    await peer.delete("b");
    await ours.delete("a");
    assert.equal(await peer.get("a"), null);
    await assert.rejects(() => ours.get("b"), { code: "OBJECT_NOT_FOUND" });
    assert.deepEqual(await ours.list(), []);
    assert.deepEqual(await peer.list(), []);
  });
});
