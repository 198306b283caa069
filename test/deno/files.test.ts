/**
 * The library in Deno 2 on Deno's own WebSocket (no Node shims, no polyfill): files on disk through
 * putFile/getFile (small, empty and multi-MiB files compared byte for byte), getFile failures (a
 * corrupted chunk, the object deleted mid-read) leaving neither the target nor a temp file, links,
 * watch, list and typed errors.
 *
 * Run: NATS_WS_URL=ws://127.0.0.1:PORT deno test -A --no-check test/deno/   (test/run-all.ts does)
 */
import { connect, type NatsConnection } from "nats.ws";
import {
  ConflictError, IntegrityError, InvalidArgumentError, LinkError, NotFoundError, ServerError, SourceError, chunkSubject, objectStoreManager,
  type ObjectInfo, type ObjectStore, type ObjectStoreManager,
} from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { testBytes } from "../harness/fixtures.js";

declare const Deno: {
  version: { deno: string };
  env: { get(name: string): string | undefined };
  test(def: { name: string; fn: () => Promise<void>; sanitizeOps?: boolean; sanitizeResources?: boolean }): void;
  makeTempDir(opts?: { prefix?: string }): Promise<string>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  writeTextFile(path: string, data: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
};

const url = Deno.env.get("NATS_WS_URL");
if (!url) throw new Error("NATS_WS_URL is not set: run the Deno tests through test/run-all.ts, or start a server");

const MiB = 1024 * 1024;
const CHUNK = 128 * 1024;

interface Env {
  nc: NatsConnection;
  m: ObjectStoreManager;
  store: ObjectStore;
  dir: string;
  bucket(prefix: string): Promise<ObjectStore>;
}

/** A test with its own connection, bucket and temp dir, all removed afterwards. */
function fileTest(name: string, fn: (env: Env) => Promise<void>): void {
  Deno.test({
    name: `[deno] files > ${name}`,
    async fn() {
      const nc = await connect({ servers: url });
      const m = objectStoreManager(nc);
      const made: string[] = [];
      const bucket = async (prefix: string) => {
        const b = `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
        made.push(b);
        return m.createObjectStore({ bucket: b });
      };
      const dir = await Deno.makeTempDir({ prefix: "deno-files-" });
      try {
        await fn({ nc, m, store: await bucket("dfiles"), dir, bucket });
      } finally {
        for (const b of made) await m.deleteObjectStore(b).catch(() => undefined);
        await nc.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

async function ls(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test({
  name: "[deno] files > runs on Deno 2 with Deno's own WebSocket",
  async fn() {
    assert.ok(Number(Deno.version.deno.split(".")[0]) >= 2, `Deno ${Deno.version.deno}`);
    const native = globalThis.WebSocket;
    assert.equal(typeof native, "function");
    let opened = 0;
    // count the sockets nats.ws opens through the global: it must be Deno's own class
    globalThis.WebSocket = class extends native {
      constructor(u: string | URL, p?: string | string[]) {
        super(u, p);
        opened++;
      }
    } as typeof WebSocket;
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: url });
      const store = await objectStoreManager(nc).createObjectStore({ bucket: `dws_${crypto.randomUUID().slice(0, 8)}` });
      await store.putString("x", "y");
      assert.equal(await store.getString("x"), "y");
      await objectStoreManager(nc).deleteObjectStore(store.bucket);
    } finally {
      globalThis.WebSocket = native;
      await nc?.close();
    }
    assert.equal(opened, 1, "nats.ws opened its connection through the global WebSocket");
  },
});

fileTest("putFile/getFile round-trip empty, small and multi-MiB files byte for byte", async ({ store, dir }) => {
  for (const [name, size] of [["empty", 0], ["small.txt", 777], ["multi.bin", 6 * MiB + 3]] as const) {
    const data = testBytes(size, size + 9);
    await Deno.writeFile(`${dir}/${name}`, data);
    const info = await store.putFile(`${dir}/${name}`);
    assert.equal(info.name, name);
    assert.equal(info.size, size);
    assert.equal(info.chunks, Math.ceil(size / CHUNK));
    const got = await store.getFile(name, `${dir}/${name}.out`);
    assert.equal(got.digest, info.digest);
    assert.bytesEqual(await Deno.readFile(`${dir}/${name}.out`), data);
  }
  const listed = await store.list();
  assert.deepEqual(listed.map((i) => [i.name, i.size]).sort(), [["empty", 0], ["multi.bin", 6 * MiB + 3], ["small.txt", 777]]);
});

fileTest("a corrupted chunk: DIGEST_MISMATCH, no file under the target name, no temp file, an old file kept", async ({ nc, store, dir }) => {
  const data = testBytes(3 * MiB + 1, 4);
  const info = await store.putBytes("obj", data);
  const subject = chunkSubject(store.bucket, info.nuid);
  await nc.request(`$JS.API.STREAM.PURGE.OBJ_${store.bucket}`, new TextEncoder().encode(JSON.stringify({ filter: subject })));
  for (let i = 0; i * CHUNK < data.length; i++) {
    const chunk = data.slice(i * CHUNK, (i + 1) * CHUNK);
    if (i === 23) chunk[100] = chunk[100]! ^ 1; // the last full chunk: most of the file is written before the check fails
    await nc.request(subject, chunk);
  }
  await assert.rejects(() => store.getFile("obj", `${dir}/obj.bin`), IntegrityError, "DIGEST_MISMATCH");
  assert.deepEqual(await ls(dir), []);
  await Deno.writeTextFile(`${dir}/obj.bin`, "old");
  await assert.rejects(() => store.getFile("obj", `${dir}/obj.bin`), IntegrityError, "DIGEST_MISMATCH");
  assert.equal(await Deno.readTextFile(`${dir}/obj.bin`), "old");
  assert.deepEqual(await ls(dir), ["obj.bin"]);
});

fileTest("the object deleted mid-read: getFile fails with REVISION_MISMATCH, no file, no temp file", async ({ store, dir }) => {
  await Deno.writeFile(`${dir}/src.bin`, testBytes(16 * MiB, 8));
  await store.putFile(`${dir}/src.bin`);
  let deleting: Promise<void> | undefined;
  // the delete purges the chunks the get has not read yet: the get says the object changed under it
  await assert.rejects(
    () => store.getFile("src.bin", `${dir}/out.bin`, { onProgress: (p) => void (p.chunks === 1 && (deleting = store.delete("src.bin"))) }),
    ConflictError,
    "REVISION_MISMATCH",
  );
  await deleting;
  assert.deepEqual(await ls(dir), ["src.bin"]);
  await assert.rejects(() => store.getInfo("src.bin"), NotFoundError, "OBJECT_NOT_FOUND");
});

fileTest("links: getFile through an object link into another bucket; a bucket link is LINK_IS_BUCKET", async ({ store, dir, bucket }) => {
  const other = await bucket("dlinks");
  const bytes = testBytes(2 * MiB + 11, 12);
  await Deno.writeFile(`${dir}/target.bin`, bytes);
  const target = await store.putFile(`${dir}/target.bin`);
  const link = await other.addLink("alias.bin", target);
  assert.deepEqual(link.options?.link, { bucket: store.bucket, name: "target.bin" });
  const got = await other.getFile("alias.bin", `${dir}/via-link.bin`);
  assert.equal(got.name, "target.bin");
  assert.bytesEqual(await Deno.readFile(`${dir}/via-link.bin`), bytes);
  await other.addBucketLink("everything", store);
  await assert.rejects(() => other.getFile("everything", `${dir}/bucket-link`), LinkError, "LINK_IS_BUCKET");
  await assert.rejects(() => other.addLink("l2", link), LinkError, "LINK_TO_LINK");
  assert.deepEqual(await ls(dir), ["target.bin", "via-link.bin"]);
});

fileTest("watch sees putFile and delete; list follows", async ({ store, dir }) => {
  await Deno.writeFile(`${dir}/a.txt`, testBytes(10, 1));
  await store.putFile(`${dir}/a.txt`);
  const w = await store.watch();
  const seen: ObjectInfo[] = [];
  const done = (async () => {
    for await (const i of w) {
      seen.push(i);
      if (seen.length === 3) break;
    }
  })();
  await w.initialized;
  await Deno.writeFile(`${dir}/b.bin`, testBytes(MiB, 2));
  await store.putFile(`${dir}/b.bin`);
  await store.delete("a.txt");
  await done;
  assert.deepEqual(seen.map((i) => [i.name, i.deleted === true]), [["a.txt", false], ["b.bin", false], ["a.txt", true]]);
  assert.deepEqual((await store.list()).map((i) => i.name), ["b.bin"]);
  assert.deepEqual((await store.list({ includeDeleted: true })).map((i) => i.name).sort(), ["a.txt", "b.bin"]);
});

fileTest("errors are typed: missing path, directory, missing object or bucket, closed connection", async ({ m, store, dir }) => {
  await assert.rejects(() => store.putFile(`${dir}/missing`), SourceError, "SOURCE_FAILED");
  await assert.rejects(() => store.putFile(dir), InvalidArgumentError, "INVALID_ARGUMENT");
  await assert.rejects(() => store.getFile("missing", `${dir}/missing`), NotFoundError, "OBJECT_NOT_FOUND");
  await store.putString("x", "data");
  await assert.rejects(() => store.getFile("x", `${dir}/no/such/dir/x`), SourceError, "SOURCE_FAILED");
  await assert.rejects(() => m.objectStore(`nope_${crypto.randomUUID().slice(0, 8)}`), NotFoundError, "BUCKET_NOT_FOUND");
  assert.deepEqual(await ls(dir), []);
  const nc2 = await connect({ servers: url });
  const s2 = await objectStoreManager(nc2).objectStore(store.bucket);
  await nc2.close();
  await assert.rejects(() => s2.getFile("x", `${dir}/x`), ServerError, "CONNECTION_CLOSED");
  assert.deepEqual(await ls(dir), []);
});
