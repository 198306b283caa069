/**
 * putFile / getFile against files on disk, in Node: round trips of small and multi-MiB files, the
 * temp-file-and-rename contract of getFile (a failed read leaves neither a file under the target name
 * nor a temporary file, and keeps an existing file as it was), typed errors, and a 1 GiB file streamed
 * in and out with a bounded peak RSS.
 *
 * Server: env NATS_WS_URL (test/run-all.ts), else a nats-server started here.
 * Env FILES_BIG_MIB: size of the big-file test in MiB (default 1024; 0 skips it).
 */
import { createHash } from "node:crypto";
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { connect, type NatsConnection } from "nats.ws";
import {
  IntegrityError, InvalidArgumentError, NotFoundError, SourceError, chunkSubject, objectStoreManager,
  type ObjectStore, type ObjectStoreManager,
} from "../../src/index.js";
import { testBytes } from "../harness/fixtures.js";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";

const MiB = 1024 * 1024;
const CHUNK = 128 * 1024;
const BIG_MIB = Number(process.env.FILES_BIG_MIB ?? 1024);

let server: NatsServer | undefined;
let url = process.env.NATS_WS_URL ?? "";
let nc: NatsConnection;
let manager: ObjectStoreManager;
let dir: string;
const buckets: string[] = [];

before(async () => {
  if (!url) {
    server = await startNatsServer();
    url = server.url;
  }
  nc = await connect({ servers: url });
  manager = objectStoreManager(nc);
  dir = await mkdtemp(join(tmpdir(), "files-test-"));
});

after(async () => {
  for (const b of buckets) await manager.deleteObjectStore(b).catch(() => undefined);
  await nc?.close();
  await rm(dir, { recursive: true, force: true });
  await server?.stop();
});

async function bucket(prefix = "files"): Promise<ObjectStore> {
  const name = `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
  buckets.push(name);
  return manager.createObjectStore({ bucket: name });
}

/** A fresh empty directory inside the test's temp dir. */
async function subdir(): Promise<string> {
  return mkdtemp(join(dir, "d-"));
}

/** Replaces every chunk of an object with the same bytes except one flipped byte in chunk `bad`. */
async function corruptChunk(store: ObjectStore, name: string, data: Uint8Array, bad: number): Promise<void> {
  const info = await store.getInfo(name);
  const subject = chunkSubject(store.bucket, info.nuid);
  await nc.request(`$JS.API.STREAM.PURGE.OBJ_${store.bucket}`, new TextEncoder().encode(JSON.stringify({ filter: subject })));
  for (let i = 0; i * CHUNK < data.length; i++) {
    const chunk = data.slice(i * CHUNK, (i + 1) * CHUNK);
    if (i === bad) chunk[0] = chunk[0]! ^ 0xff;
    await nc.request(subject, chunk);
  }
}

describe("[node] files", () => {
  test("putFile streams files from disk, named by their base name; getFile writes them back byte for byte", async () => {
    const store = await bucket();
    const d = await subdir();
    for (const [name, size] of [["empty.bin", 0], ["one-chunk.txt", 1000], ["multi.bin", 5 * MiB + 123]] as const) {
      const data = testBytes(size, size + 1);
      await writeFile(join(d, name), data);
      const info = await store.putFile(join(d, name));
      assert.equal(info.name, name);
      assert.equal(info.size, size);
      assert.equal(info.chunks, Math.ceil(size / CHUNK));
      const out = join(d, `${name}.out`);
      const got = await store.getFile(name, out);
      assert.equal(got.digest, info.digest);
      assert.deepEqual(new Uint8Array(await readFile(out)), data);
    }
    const listed = (await store.list()).map((i) => i.name).sort();
    assert.deepEqual(listed, ["empty.bin", "multi.bin", "one-chunk.txt"]);
  });

  test("putFile meta overrides the name and adds a description", async () => {
    const store = await bucket();
    const d = await subdir();
    await writeFile(join(d, "local.txt"), "hello");
    const info = await store.putFile(join(d, "local.txt"), { meta: { name: "docs/remote.txt", description: "greeting" } });
    assert.equal(info.name, "docs/remote.txt");
    assert.equal((await store.getInfo("docs/remote.txt")).description, "greeting");
    await assert.rejects(store.getInfo("local.txt"), NotFoundError);
  });

  test("getFile replaces an existing file only once the object verified", async () => {
    const store = await bucket();
    const d = await subdir();
    const target = join(d, "target.bin");
    await writeFile(target, "old contents");
    const data = testBytes(3 * MiB, 7);
    await store.putBytes("obj", data);
    await store.getFile("obj", target);
    assert.deepEqual(new Uint8Array(await readFile(target)), data);
    assert.deepEqual(await readdir(d), ["target.bin"]);
  });

  test("a corrupted chunk: getFile rejects with DIGEST_MISMATCH, keeps the old file, leaves no temp file", async () => {
    const store = await bucket();
    const d = await subdir();
    const data = testBytes(4 * MiB + 5, 3);
    await store.putBytes("obj", data);
    await corruptChunk(store, "obj", data, 20);
    // no file before: none after
    await assert.rejects(store.getFile("obj", join(d, "new.bin")), (e: unknown) => e instanceof IntegrityError && e.code === "DIGEST_MISMATCH");
    assert.deepEqual(await readdir(d), []);
    // a file before: unchanged after
    await writeFile(join(d, "kept.bin"), "precious");
    await assert.rejects(store.getFile("obj", join(d, "kept.bin")), IntegrityError);
    assert.equal(await readFile(join(d, "kept.bin"), "utf8"), "precious");
    assert.deepEqual(await readdir(d), ["kept.bin"]);
  });

  test("getFile of a missing object is OBJECT_NOT_FOUND and creates nothing", async () => {
    const store = await bucket();
    const d = await subdir();
    await assert.rejects(store.getFile("nope", join(d, "nope")), (e: unknown) => e instanceof NotFoundError && e.code === "OBJECT_NOT_FOUND");
    assert.deepEqual(await readdir(d), []);
  });

  test("getFile into a missing directory is SOURCE_FAILED and leaves nothing", async () => {
    const store = await bucket();
    await store.putString("x", "data");
    const d = await subdir();
    await assert.rejects(store.getFile("x", join(d, "no", "such", "dir", "x")), (e: unknown) => e instanceof SourceError && e.code === "SOURCE_FAILED");
    assert.deepEqual(await readdir(d), []);
  });

  test("putFile of a missing path is SOURCE_FAILED, of a directory INVALID_ARGUMENT; nothing is stored", async () => {
    const store = await bucket();
    const d = await subdir();
    await assert.rejects(store.putFile(join(d, "missing.txt")), (e: unknown) => e instanceof SourceError && e.code === "SOURCE_FAILED");
    await assert.rejects(store.putFile(d), (e: unknown) => e instanceof InvalidArgumentError && e.code === "INVALID_ARGUMENT");
    assert.equal((await store.status()).messages, 0);
  });

  test("getFile follows a link into another bucket", async () => {
    const data = await bucket("data");
    const links = await bucket("links");
    const d = await subdir();
    const bytes = testBytes(MiB + 17, 11);
    await writeFile(join(d, "src.bin"), bytes);
    const info = await data.putFile(join(d, "src.bin"));
    await links.addLink("alias", info);
    const got = await links.getFile("alias", join(d, "via-link.bin"));
    assert.equal(got.bucket, data.bucket);
    assert.deepEqual(new Uint8Array(await readFile(join(d, "via-link.bin"))), bytes);
  });

  test(`a ${BIG_MIB} MiB file: putFile -> getFile with peak RSS growth under 64 MiB`, { skip: BIG_MIB <= 0 && "FILES_BIG_MIB=0", timeout: 180_000 }, async () => {
    const size = BIG_MIB * MiB;
    const store = await bucket("big");
    const d = await subdir();
    const src = join(d, "big.bin");
    const out = join(d, "big.out");
    const t = { gen: 0, put: 0, get: 0, verify: 0 };
    try {
      // the file: 8 MiB of pseudo-random bytes repeated, every 4 KiB stamped with its offset (so no two chunks match)
      let t0 = Date.now();
      const block = testBytes(8 * MiB, 42);
      const view = new DataView(block.buffer);
      const hash = createHash("sha256");
      const h = await open(src, "w");
      for (let off = 0; off < size; off += block.length) {
        for (let i = 0; i < block.length; i += 4096) view.setFloat64(i, off + i);
        const piece = off + block.length <= size ? block : block.subarray(0, size - off);
        hash.update(piece);
        await h.write(piece);
      }
      await h.close();
      const expected = hash.digest("base64url");
      t.gen = Date.now() - t0;

      // warm up (JIT, connection buffers), collect garbage, then measure from there
      await writeFile(join(d, "warm.bin"), testBytes(8 * MiB, 5));
      await store.putFile(join(d, "warm.bin"));
      await store.getFile("warm.bin", join(d, "warm.out"));
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as () => void;
      gc();
      const base = process.memoryUsage.rss();
      let peak = base;
      const sample = () => {
        const r = process.memoryUsage.rss();
        if (r > peak) peak = r;
      };
      const timer = setInterval(sample, 50);
      let putPeak = 0;
      try {
        t0 = Date.now();
        const info = await store.putFile(src, { onProgress: sample });
        t.put = Date.now() - t0;
        putPeak = peak;
        assert.equal(info.size, size);
        assert.equal(info.digest?.replace(/=+$/, ""), `SHA-256=${expected}`, "the digest of the stored object");
        t0 = Date.now();
        await store.getFile("big.bin", out, { onProgress: sample });
        t.get = Date.now() - t0;
      } finally {
        clearInterval(timer);
      }
      t0 = Date.now();
      assert.equal((await stat(out)).size, size);
      const outHash = createHash("sha256");
      const r = await open(out, "r");
      const buf = new Uint8Array(8 * MiB);
      for (;;) {
        const { bytesRead } = await r.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        outHash.update(buf.subarray(0, bytesRead));
      }
      await r.close();
      assert.equal(outHash.digest("base64url"), expected, "the file read back differs from the file stored");
      t.verify = Date.now() - t0;

      const mib = (n: number) => (n / MiB).toFixed(1);
      const rate = (ms: number) => (size / MiB / (ms / 1000)).toFixed(0);
      console.log(
        `big file ${BIG_MIB} MiB: generate ${t.gen} ms, putFile ${t.put} ms (${rate(t.put)} MiB/s), ` +
          `getFile ${t.get} ms (${rate(t.get)} MiB/s), verify ${t.verify} ms; RSS base ${mib(base)} MiB, ` +
          `peak growth ${mib(putPeak - base)} MiB during put, ${mib(peak - base)} MiB overall`,
      );
      assert.ok(peak - base < 64 * MiB, `peak RSS growth ${mib(peak - base)} MiB is not under 64 MiB`);
      assert.deepEqual((await readdir(d)).sort(), ["big.bin", "big.out", "warm.bin", "warm.out"]);
    } finally {
      await rm(d, { recursive: true, force: true });
      await manager.deleteObjectStore(store.bucket).catch(() => undefined);
    }
  });
});
