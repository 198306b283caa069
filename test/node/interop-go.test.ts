/**
 * Wire compatibility with nats.go, the reference object store, used as a live peer against the same
 * server: a small command-line program (test/interop-go/main.go) built offline against Debian's nats.go
 * 1.22 sources (see test/harness/go-peer.ts), talking TCP, while this library talks WebSocket.
 * Objects, links, bucket links, deletes and buckets made by either side are used by the other.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers, type NatsConnection } from "nats.ws";
import { metaSubject, objectStoreManager, streamName, type ObjectInfo, type ObjectStore, type ObjectStoreManager } from "../../src/index.js";
import { testServer, uniqueBucket, type ServerUrls } from "../harness/node-server.js";
import { testBytes } from "../harness/fixtures.js";
import { buildGoPeer, GO_EXIT, hexName, runGoPeer, type GoRun } from "../harness/go-peer.js";

const CHUNK = 128 * 1024;
const SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * 1024 * 1024 + 3];
const NAMES = [
  "日本語/ファイル.txt",
  "emoji 🎉",
  "café",
  "with space",
  "  leading and trailing  ",
  "a.b.c",
  ".hidden",
  "ends.with.dot.",
  "dir/sub/file.bin",
  "/leading/slash",
  "a", // base64 with == padding
  "ab", // base64 with = padding
  "abc", // no padding
  "?&*>.$",
  "名".repeat(300),
  "x".repeat(1500),
];

/** The ObjectInfo JSON nats.go prints (its own struct, so its own view of the wire JSON). */
interface GoInfo {
  name: string;
  description?: string;
  headers?: Record<string, string[]>;
  options?: { link?: { bucket: string; name?: string }; max_chunk_size?: number };
  bucket: string;
  nuid: string;
  size: number;
  mtime: string;
  chunks: number;
  digest?: string;
  deleted?: boolean;
}

let urls: ServerUrls;
let bin = "";
let tmp = "";
let nc: NatsConnection;
let osm: ObjectStoreManager;
let fileNo = 0;

/** Runs the peer; `expect` is the exit code wanted (0 by default). */
async function go(args: string[], expect: number = GO_EXIT.ok): Promise<GoRun> {
  const r = await runGoPeer(bin, [args[0]!, urls.tcp, ...args.slice(1)]);
  assert.equal(r.code, expect, `nats.go ${args.slice(0, 2).join(" ")}: exit ${r.code}, wanted ${expect}\n${r.stderr}`);
  return r;
}
const goJson = async <T>(args: string[]): Promise<T> => JSON.parse((await go(args)).stdout) as T;

function tmpFile(data?: Uint8Array): string {
  const p = join(tmp, `f${fileNo++}`);
  if (data) writeFileSync(p, data);
  return p;
}

async function goPut(bucket: string, name: string, data: Uint8Array, description?: string): Promise<GoInfo> {
  return goJson<GoInfo>(["put", bucket, hexName(name), tmpFile(data), ...(description ? [description] : [])]);
}

/** nats.go's Get, which verifies the digest: the bytes and the info it reports (a link's: its target's). */
async function goGet(bucket: string, name: string): Promise<{ data: Uint8Array; info: GoInfo }> {
  const out = tmpFile();
  const info = await goJson<GoInfo>(["get", bucket, hexName(name), out]);
  return { data: new Uint8Array(readFileSync(out)), info };
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: bytes differ (${actual.length} vs ${expected.length})`);
}

/** The fields both clients read from the same meta message. */
function wireView(i: GoInfo | ObjectInfo) {
  const link = i.options?.link;
  return {
    name: i.name,
    bucket: i.bucket,
    nuid: i.nuid,
    size: i.size,
    chunks: i.chunks,
    digest: i.digest ?? "",
    deleted: !!i.deleted,
    description: i.description ?? "",
    link: link ? { bucket: link.bucket, name: link.name ?? "" } : null,
  };
}

before(async () => {
  bin = buildGoPeer();
  tmp = mkdtempSync(join(tmpdir(), "interop-go-"));
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("interop with nats.go 1.22 (Debian) as a live peer", () => {
  before(async () => {
    urls = await testServer();
    nc = await connect({ servers: urls.ws });
    osm = objectStoreManager(nc);
  });
  after(async () => {
    await nc?.close();
  });

  test("the peer itself: a digest that does not match fails nats.go's read (and ours)", async () => {
    const bucket = uniqueBucket("gosanity");
    const ours = await osm.createObjectStore({ bucket });
    await ours.putBytes("victim", testBytes(200_000, 7));
    assert.equal((await goGet(bucket, "victim")).data.length, 200_000);
    // rewrite the meta with the digest of other bytes (well-formed, wrong)
    const jsm = await nc.jetstreamManager();
    const subj = metaSubject(bucket, "victim");
    const sm = await jsm.streams.getMessage(streamName(bucket), { last_by_subj: subj });
    const meta = JSON.parse(new TextDecoder().decode(sm.data)) as GoInfo;
    const other = await osm.createObjectStore({ bucket: uniqueBucket("gosanity2") });
    meta.digest = (await other.putBytes("x", testBytes(200_000, 8))).digest;
    const h = headers();
    h.set("Nats-Rollup", "sub");
    await nc.jetstream().publish(subj, new TextEncoder().encode(JSON.stringify(meta)), { headers: h });
    const r = await go(["get", bucket, hexName("victim"), tmpFile()], GO_EXIT.digestMismatch);
    assert.match(r.stderr, /digests do not match/);
    await assert.rejects(() => ours.getBytes("victim"), { code: "DIGEST_MISMATCH" });
  });

  test("objects nats.go writes are read by ours, every size; infos agree", async () => {
    const bucket = uniqueBucket("gosizes");
    await go(["createbucket", bucket]);
    const ours = await osm.objectStore(bucket);
    for (const size of SIZES) {
      const data = testBytes(size, size + 11);
      const put = await goPut(bucket, `s${size}`, data);
      assert.equal(put.chunks, Math.ceil(size / CHUNK));
      sameBytes(await ours.getBytes(`s${size}`), data, `size ${size}`);
      const mine = await ours.getInfo(`s${size}`);
      assert.deepEqual(wireView(mine), wireView(put), `size ${size}: info`);
      assert.equal(mine.options?.max_chunk_size, CHUNK);
    }
  });

  test("objects ours writes are read by nats.go (digest verified), every size; infos agree", async () => {
    const bucket = uniqueBucket("gosizes2");
    const ours = await osm.createObjectStore({ bucket });
    for (const size of SIZES) {
      const data = testBytes(size, size + 12);
      const put = await ours.putBytes(`s${size}`, data);
      assert.equal(put.chunks, Math.ceil(size / CHUNK));
      const got = await goGet(bucket, `s${size}`);
      sameBytes(got.data, data, `size ${size}`);
      assert.deepEqual(wireView(got.info), wireView(put), `size ${size}: info`);
    }
  });

  test("names nats.go writes are found by ours, and listed under the same names", async () => {
    const bucket = uniqueBucket("gonames");
    await go(["createbucket", bucket]);
    const ours = await osm.objectStore(bucket);
    for (const name of NAMES) {
      await goPut(bucket, name, new TextEncoder().encode(name), `desc of ${name.slice(0, 20)}`);
      assert.equal(await ours.getString(name), name, `name ${JSON.stringify(name.slice(0, 40))}`);
      assert.equal((await ours.getInfo(name)).description, `desc of ${name.slice(0, 20)}`);
    }
    assert.deepEqual((await ours.list()).map((i) => i.name).sort(), [...NAMES].sort());
  });

  test("names ours writes are found by nats.go, and listed under the same names", async () => {
    const bucket = uniqueBucket("gonames2");
    const ours = await osm.createObjectStore({ bucket });
    for (const name of NAMES) {
      await ours.put({ name, description: "ours", headers: { "X-Test": ["a", "b"] } }, new TextEncoder().encode(name));
      const got = await goGet(bucket, name);
      assert.equal(new TextDecoder().decode(got.data), name, `name ${JSON.stringify(name.slice(0, 40))}`);
      assert.equal(got.info.name, name);
      assert.equal(got.info.description, "ours");
      assert.deepEqual(got.info.headers, { "X-Test": ["a", "b"] });
    }
    const listed = await goJson<GoInfo[]>(["list", bucket]);
    assert.deepEqual(listed.map((i) => i.name).sort(), [...NAMES].sort());
  });

  test("the longest name ours accepts is read and deleted by nats.go", async () => {
    const bucket = uniqueBucket("golong");
    const ours = await osm.createObjectStore({ bucket });
    // binary search on ours' own limit (a refused name is refused before anything is sent)
    let lo = 1; // accepted
    let hi = 4096; // refused: 2 bytes each, its meta subject is over the server's control line
    await ours.putString("é".repeat(lo), "long");
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      try {
        await ours.putString("é".repeat(mid), "long");
        lo = mid;
      } catch (err) {
        assert.equal((err as { code?: string }).code, "NAME_TOO_LONG");
        hi = mid;
      }
    }
    const name = "é".repeat(lo);
    assert.equal(new TextDecoder().decode((await goGet(bucket, name)).data), "long");
    await go(["delete", bucket, hexName(name)]);
    await assert.rejects(() => ours.getInfo(name), { code: "OBJECT_NOT_FOUND" });
  });

  // nats.go (TCP) writes names up to ~3000 UTF-8 bytes (its meta subject ~4050 chars, the server's
  // 4 KiB control line minus the rest of its HPUB line); reading a name sends it in a JSON body, so
  // there reading is never limited by the control line.
  test("long names nats.go writes (2950 bytes) are read and listed by ours", async () => {
    const bucket = uniqueBucket("golong2");
    await go(["createbucket", bucket]);
    const ours = await osm.objectStore(bucket);
    const names = ["a".repeat(2950), "é".repeat(1475)];
    for (const name of names) await goPut(bucket, name, new TextEncoder().encode(name.slice(0, 10)));
    assert.deepEqual((await ours.list()).map((i) => i.name).sort(), [...names].sort());
    for (const name of names) {
      assert.equal((await ours.getInfo(name)).size, new TextEncoder().encode(name.slice(0, 10)).length, `getInfo of a ${name.length}-char name`);
      assert.equal(await ours.getString(name), name.slice(0, 10), `get of a ${name.length}-char name`);
    }
  });

  test("long names nats.go writes (2950 bytes) are deleted by ours", async () => {
    const bucket = uniqueBucket("golong3");
    await go(["createbucket", bucket]);
    const ours = await osm.objectStore(bucket);
    const name = "a".repeat(2950);
    await goPut(bucket, name, new TextEncoder().encode("x"));
    await ours.delete(name);
    await go(["get", bucket, hexName(name), tmpFile()], GO_EXIT.notFound);
  });

  test("links nats.go makes are followed by ours (same bucket, other bucket, unicode names)", async () => {
    const bucket = uniqueBucket("golink");
    const otherBucket = uniqueBucket("golinkb");
    await go(["createbucket", bucket]);
    await go(["createbucket", otherBucket]);
    const ours = await osm.objectStore(bucket);
    const data = testBytes(CHUNK + 1, 21);
    await goPut(bucket, "日本語/ファイル.txt", data);
    await goPut(otherBucket, "emoji 🎉", new TextEncoder().encode("far"));

    const l1 = await goJson<GoInfo>(["link", bucket, hexName("link café"), bucket, hexName("日本語/ファイル.txt")]);
    assert.deepEqual(l1.options?.link, { bucket, name: "日本語/ファイル.txt" });
    sameBytes(await ours.getBytes("link café"), data, "same-bucket link");
    const info = await ours.getInfo("link café");
    assert.deepEqual(info.options?.link, { bucket, name: "日本語/ファイル.txt" });
    assert.equal(info.nuid, l1.nuid);

    await go(["link", bucket, hexName("far link"), otherBucket, hexName("emoji 🎉")]);
    assert.equal(await ours.getString("far link"), "far");
    // ours refuses to link to nats.go's link, as nats.go does
    await assert.rejects(async () => ours.addLink("link to link", await ours.getInfo("far link")), { code: "LINK_TO_LINK" });
    // ours deletes nats.go's link: the link goes, its target stays
    await ours.delete("link café");
    await go(["get", bucket, hexName("link café"), tmpFile()], GO_EXIT.notFound);
    sameBytes((await goGet(bucket, "日本語/ファイル.txt")).data, data, "target of the deleted link");
  });

  test("links ours makes are followed by nats.go (which needs their nuid)", async () => {
    const bucket = uniqueBucket("golink2");
    const otherName = uniqueBucket("golink2b");
    const ours = await osm.createObjectStore({ bucket });
    const other = await osm.createObjectStore({ bucket: otherName });
    const data = testBytes(3 * CHUNK, 22);
    const target = await ours.putBytes("emoji 🎉 target", data);
    const farTarget = await other.putString("café", "far");

    const link = await ours.addLink("日本語 link", target);
    const goInfo = await goJson<GoInfo>(["info", bucket, hexName("日本語 link")]);
    assert.ok(goInfo.nuid, "the link has a nuid");
    assert.deepEqual(wireView(goInfo), wireView(link));
    const got = await goGet(bucket, "日本語 link");
    sameBytes(got.data, data, "nats.go follows our link");
    assert.equal(got.info.name, "emoji 🎉 target");

    await ours.addLink("far link", farTarget);
    assert.equal(new TextDecoder().decode((await goGet(bucket, "far link")).data), "far");
    // nats.go may replace our link (a link), but not our object
    await go(["link", bucket, hexName("far link"), bucket, hexName("emoji 🎉 target")]);
    sameBytes((await goGet(bucket, "far link")).data, data, "relinked by nats.go");
    sameBytes(await ours.getBytes("far link"), data, "relinked by nats.go, read by ours");
    await go(["link", bucket, hexName("emoji 🎉 target"), otherName, hexName("café")], GO_EXIT.alreadyExists);
    // nats.go deletes our link: the link goes, its target stays
    await ours.addLink("short-lived", target);
    await go(["delete", bucket, hexName("short-lived")]);
    await assert.rejects(() => ours.get("short-lived"), { code: "OBJECT_NOT_FOUND" });
    sameBytes(await ours.getBytes("emoji 🎉 target"), data, "target of the deleted link");
  });

  // A divergence in policy, not on the wire: nats.go 1.22's AddLink/AddBucketLink look the name up
  // including delete markers and refuse any non-link (ErrObjectAlreadyExists), so they refuse a deleted
  // object's name; ours (shared/spec/objectstore.md: "may overwrite a link or a deleted object") allows it.
  // Pinned so that a change on either side shows up.
  test("a link over a deleted object's name: nats.go 1.22 refuses it, ours allows it (pinned)", async () => {
    const bucket = uniqueBucket("golinkdel");
    const ours = await osm.createObjectStore({ bucket });
    const target = await ours.putString("target", "T");
    await ours.putString("was here", "x");
    await ours.delete("was here");
    await go(["link", bucket, hexName("was here"), bucket, hexName("target")], GO_EXIT.alreadyExists);
    await go(["bucketlink", bucket, hexName("was here"), bucket], GO_EXIT.alreadyExists);
    await ours.addLink("was here", target);
    assert.equal(new TextDecoder().decode((await goGet(bucket, "was here")).data), "T");
  });

  test("bucket links made by either side are seen as bucket links by the other", async () => {
    const bucket = uniqueBucket("gobl");
    const targetName = uniqueBucket("gobltarget");
    const ours = await osm.createObjectStore({ bucket });
    const target = await osm.createObjectStore({ bucket: targetName });

    await go(["bucketlink", bucket, hexName("their dir 🎉"), targetName]);
    const theirs = await ours.getInfo("their dir 🎉");
    assert.deepEqual(theirs.options?.link, { bucket: targetName });
    await assert.rejects(() => ours.get("their dir 🎉"), { code: "LINK_IS_BUCKET" });

    const mine = await ours.addBucketLink("our dir/ü", target);
    const goInfo = await goJson<GoInfo>(["info", bucket, hexName("our dir/ü")]);
    assert.deepEqual(goInfo.options?.link, { bucket: targetName });
    assert.deepEqual(wireView(goInfo), wireView(mine));
    await go(["get", bucket, hexName("our dir/ü"), tmpFile()], GO_EXIT.linkIsBucket);
  });

  test("deletes by either side are seen by the other; a deleted name can be written again", async () => {
    const bucket = uniqueBucket("godel");
    const ours = await osm.createObjectStore({ bucket });
    const big = testBytes(2 * CHUNK + 5, 31);
    await goPut(bucket, "by go café", big);
    await ours.putBytes("by ours 日本", big);

    await go(["delete", bucket, hexName("by ours 日本")]);
    await ours.delete("by go café");
    await assert.rejects(() => ours.get("by ours 日本"), { code: "OBJECT_NOT_FOUND" });
    await go(["get", bucket, hexName("by go café"), tmpFile()], GO_EXIT.notFound);
    await go(["info", bucket, hexName("by go café")], GO_EXIT.notFound);

    // both write the same delete marker
    const goMarker = await goJson<GoInfo>(["info", bucket, hexName("by go café"), "deleted"]);
    assert.equal(goMarker.deleted, true);
    assert.equal(goMarker.size, 0);
    assert.equal(goMarker.chunks, 0);
    assert.equal(goMarker.digest, undefined);
    const oursMarker = await ours.getInfo("by ours 日本", { showDeleted: true });
    assert.deepEqual(wireView(oursMarker), { ...wireView(oursMarker), deleted: true, size: 0, chunks: 0, digest: "" });

    // chunks are purged either way
    const jsm = await nc.jetstreamManager();
    const si = await jsm.streams.info(streamName(bucket), { subjects_filter: `$O.${bucket}.C.>` });
    assert.equal(Object.keys(si.state.subjects ?? {}).length, 0, "no chunk left");

    assert.deepEqual(await ours.list(), []);
    assert.deepEqual(await goJson<GoInfo[]>(["list", bucket]), []);

    // write again over the delete markers
    await ours.putString("by go café", "again 1");
    await goPut(bucket, "by ours 日本", new TextEncoder().encode("again 2"));
    assert.equal(new TextDecoder().decode((await goGet(bucket, "by go café")).data), "again 1");
    assert.equal(await ours.getString("by ours 日本"), "again 2");
  });

  test("a re-put by either side replaces the other's version and purges its chunks", async () => {
    const bucket = uniqueBucket("goreput");
    const ours = await osm.createObjectStore({ bucket });
    const jsm = await nc.jetstreamManager();
    const chunkSubjects = async () =>
      Object.keys((await jsm.streams.info(streamName(bucket), { subjects_filter: `$O.${bucket}.C.>` })).state.subjects ?? {});

    const v1 = await ours.putBytes("name", testBytes(CHUNK * 2, 41));
    const v2 = await goPut(bucket, "name", testBytes(CHUNK + 3, 42));
    assert.notEqual(v2.nuid, v1.nuid);
    sameBytes(await ours.getBytes("name"), testBytes(CHUNK + 3, 42), "nats.go's version");
    assert.deepEqual(await chunkSubjects(), [`$O.${bucket}.C.${v2.nuid}`]);

    const v3 = await ours.putBytes("name", testBytes(CHUNK * 3, 43));
    sameBytes((await goGet(bucket, "name")).data, testBytes(CHUNK * 3, 43), "our version");
    assert.deepEqual(await chunkSubjects(), [`$O.${bucket}.C.${v3.nuid}`]);
  });

  test("a bucket nats.go creates is opened by ours, and the reverse", async () => {
    const goBucket = uniqueBucket("gobucket");
    await go(["createbucket", goBucket, "made by nats.go"]);
    const ours = await osm.objectStore(goBucket);
    assert.equal((await ours.status()).description, "made by nats.go");
    await ours.putString("hello", "from ours");
    assert.equal(new TextDecoder().decode((await goGet(goBucket, "hello")).data), "from ours");

    const ourBucket = uniqueBucket("oursbucket");
    await osm.createObjectStore({ bucket: ourBucket, description: "made by ours" });
    const st = await goJson<{ bucket: string; description: string; sealed: boolean }>(["status", ourBucket]);
    assert.deepEqual(st, { ...st, bucket: ourBucket, description: "made by ours", sealed: false });
    await goPut(ourBucket, "hello", new TextEncoder().encode("from go"));
    assert.equal(await (await osm.objectStore(ourBucket)).getString("hello"), "from go");

    // both say the same of a bucket that does not exist
    const missing = uniqueBucket("nobucket");
    await go(["list", missing], GO_EXIT.bucketNotFound);
    await assert.rejects(() => osm.objectStore(missing), { code: "BUCKET_NOT_FOUND" });
  });

  test("list: both sides give the same objects, links and fields for a mixed bucket", async () => {
    const bucket = uniqueBucket("golist");
    const dirName = uniqueBucket("golistdir");
    await go(["createbucket", bucket]);
    await go(["createbucket", dirName]);
    const ours: ObjectStore = await osm.objectStore(bucket);
    const dir = await osm.objectStore(dirName);

    await goPut(bucket, "go 日本語", testBytes(CHUNK + 1, 51), "d1");
    await goPut(bucket, "go gone", testBytes(10, 52));
    await ours.put({ name: "ours 🎉", description: "d2" }, testBytes(CHUNK, 53));
    await ours.putBytes("ours empty", new Uint8Array(0));
    await ours.addLink("ours link", await ours.getInfo("go 日本語"));
    await go(["link", bucket, hexName("go link"), bucket, hexName("ours 🎉")]);
    await ours.addBucketLink("ours dir", dir);
    await go(["bucketlink", bucket, hexName("go dir"), dirName]);
    await ours.delete("go gone");

    const mine = await ours.list();
    const theirs = await goJson<GoInfo[]>(["list", bucket]);
    const byName = <T extends { name: string }>(a: T[]) => [...a].sort((x, y) => (x.name < y.name ? -1 : 1));
    assert.deepEqual(byName(mine).map(wireView), byName(theirs).map(wireView));
    assert.deepEqual(mine.map((i) => i.name).sort(), ["go dir", "go link", "go 日本語", "ours dir", "ours empty", "ours link", "ours 🎉"].sort());
    // modification times both come from the meta message's timestamp
    const goTimes = new Map(theirs.map((i) => [i.name, Date.parse(i.mtime)]));
    for (const i of mine) assert.ok(Math.abs(Date.parse(i.mtime) - goTimes.get(i.name)!) <= 1, `mtime of ${i.name}`);
  });
});
