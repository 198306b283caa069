/**
 * Every official client as a live peer (issue #14): each program under test/interop/<peer>/ (built
 * once per machine by scripts/peers.mjs, see test/harness/peers.ts for the contract) writes the
 * fixture set into a bucket it creates and this library reads it all back, then the reverse; a peer's
 * writes are seen by our watch(); and the `nats` CLI puts, gets, lists, describes, creates and seals
 * alongside. Ours talks WebSocket, the peers TCP, to the same server. A table of what each side read of
 * the other is printed at the end.
 *
 * A peer whose toolchain is missing is a skipped test that says why; with CI=true it is a failure.
 * `INTEROP_PEERS=go-jetstream,python` runs those peers only (ids: the folders under test/interop/).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers, type NatsConnection } from "nats.ws";
import { encodeName, metaSubject, objectStoreManager, streamName, type ObjectInfo, type ObjectStoreManager } from "../../src/index.js";
import { testServer, uniqueBucket, type ServerUrls } from "../harness/node-server.js";
import { testBytes } from "../harness/fixtures.js";
import {
  adrDigest,
  checkRead,
  CHUNK,
  interopTable,
  lastJson,
  makeFixture,
  preparePeers,
  readWithOurs,
  recordRow,
  runPeer,
  writeWithOurs,
  type CheckResult,
  type Feature,
  type Fixture,
  type Manifest,
  type PeerRun,
  type ReadDoc,
} from "../harness/peers.js";
import type { FoundPeer } from "../../scripts/peers.mjs";

const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");
/** Per peer command: generous for two busy cores, but a hung peer still ends the test. */
const PEER_TIMEOUT = 120_000;
const TEST_TIMEOUT = 240_000;

const states = await preparePeers((line) => console.log(line));

let urls: ServerUrls;
let nc: NatsConnection;
let osm: ObjectStoreManager;
let tmp = "";
let fx: Fixture;
let server = "";
/** Servers 2.10+ keep bucket metadata and compress. */
let modern = false;
/** The bucket every bucket link points at (made by ours). */
let linkBucket = "";
let manifestNo = 0;

before(async () => {
  urls = await testServer();
  nc = await connect({ servers: urls.ws });
  osm = objectStoreManager(nc);
  server = nc.info?.version ?? "unknown";
  const [major = 0, minor = 0] = server.split(".").map(Number);
  modern = major > 2 || (major === 2 && minor >= 10);
  tmp = mkdtempSync(join(tmpdir(), "interop-peers-"));
  fx = makeFixture(tmp);
  linkBucket = uniqueBucket("plinked");
  await osm.createObjectStore({ bucket: linkBucket, description: "bucket links point here" });
});

after(async () => {
  console.log(`\ninterop with the official clients, nats-server ${server}:\n${interopTable()}\n`);
  await nc?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function manifestFile(m: Manifest): string {
  const p = join(tmp, `manifest-${manifestNo++}.json`);
  writeFileSync(p, JSON.stringify(m));
  return p;
}

function bucketConfig(by: string): Manifest["createBucket"] {
  return { description: `interop bucket written by ${by}`, ...(modern ? { metadata: { "made-by": by, purpose: "interop ✓" } } : {}) };
}

function assertRan(r: PeerRun, what: string): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code} after ${r.ms} ms\n${r.stderr.trim()}`);
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

for (const s of states) {
  if (s.missing !== undefined) {
    if (inCI || s.broken) test(`${s.def.label}: available`, () => assert.fail(s.missing));
    else test(`${s.def.label}`, { skip: s.missing }, () => {});
    continue;
  }
  if (s.def.kind === "contract") contractPeer(s.peer);
  else if (s.def.kind === "cli") cliPeer(s.peer);
}

/**
 * What a peer cannot read of ours for a known difference of its own, by client: the name and why. An
 * excused item may still read (a fixed client passes); anything else that fails is a problem.
 */
const KNOWN_MISSES: Record<string, (name: string) => string | undefined> = {
  // jnats 2.26 looks metas up under standard base64 (+ /), everyone else writes base64url (- _): names
  // whose two encodings differ are not found by it (ours reads its objects through a legacy lookup)
  jnats: (name) => (/[-_]/.test(encodeName(name)) ? "jnats looks the name up under standard base64" : undefined),
};

/** `ok/total`, with the known misses counted after it. */
const cell = (r: CheckResult) => `${r.ok}/${r.total}${r.known.length ? ` (${r.known.length} known)` : ""}`;

/** (a) the peer writes, ours reads; (b) ours writes, the peer reads; (d) ours watches the peer's writes. */
function contractPeer(peer: FoundPeer): void {
  describe(`interop peer ${peer.label}`, () => {
    test(`${peer.label} writes the fixture set into a bucket it creates; ours reads all of it`, { timeout: TEST_TIMEOUT }, async () => {
      const bucket = uniqueBucket(`by_${peer.id}`);
      const config = bucketConfig(peer.label);
      const w = await runPeer(peer, ["write", urls.tcp, bucket, manifestFile(fx.manifest(bucket, linkBucket, config))], { timeoutMs: PEER_TIMEOUT });
      assertRan(w, `${peer.label} write`);
      const lacks = (lastJson<{ unsupported: Feature[] }>(w.stdout).unsupported ?? []) as Feature[];
      const doc = await readWithOurs(osm, bucket, fx.manifest(bucket, linkBucket));
      const r = checkRead(doc, fx, { bucket, linkBucket, bucketConfig: config }, lacks);
      recordRow(peer.label, server, { oursReadTheirs: cell(r) });
      assert.deepEqual(r.problems, [], `ours reading what ${peer.label} wrote (it lacks: ${lacks.join(", ") || "nothing"})`);
    });

    test(`ours writes the fixture set into a bucket it creates; ${peer.label} reads all of it`, { timeout: TEST_TIMEOUT }, async () => {
      const bucket = uniqueBucket(`for_${peer.id}`);
      const config = bucketConfig("nats-objectstore-web");
      const m = fx.manifest(bucket, linkBucket, config);
      await writeWithOurs(osm, bucket, m);
      const r0 = await runPeer(peer, ["read", urls.tcp, bucket, manifestFile(m)], { timeoutMs: PEER_TIMEOUT });
      assertRan(r0, `${peer.label} read`);
      const doc = JSON.parse(r0.stdout) as ReadDoc;
      const r = checkRead(doc, fx, { bucket, linkBucket, bucketConfig: config }, [], KNOWN_MISSES[peer.client]);
      recordRow(peer.label, server, { theirsReadOurs: cell(r) });
      for (const k of r.known) console.log(`# known difference: ${peer.label}: ${k}`);
      assert.deepEqual(r.problems, [], `${peer.label} reading what ours wrote (it lacks: ${doc.unsupported?.join(", ") || "nothing"})`);
    });

    test(`${peer.label} itself: an object whose meta digest is not that of its bytes fails its read`, { timeout: TEST_TIMEOUT }, async () => {
      const bucket = uniqueBucket(`bad_${peer.id}`);
      const store = await osm.createObjectStore({ bucket });
      const data = testBytes(CHUNK + 100, 9);
      const file = join(tmp, `bad-${peer.id}`);
      writeFileSync(file, data);
      await store.putBytes("victim", data);
      // rewrite the meta with a well-formed digest of other bytes
      const subject = metaSubject(bucket, "victim");
      const sm = await (await nc.jetstreamManager()).streams.getMessage(streamName(bucket), { last_by_subj: subject });
      const meta = { ...(JSON.parse(new TextDecoder().decode(sm.data)) as Record<string, unknown>), digest: adrDigest(testBytes(10, 1)) };
      const h = headers();
      h.set("Nats-Rollup", "sub");
      await nc.jetstream().publish(subject, new TextEncoder().encode(JSON.stringify(meta)), { headers: h });
      const m: Manifest = { objects: [{ name: "victim", file }], links: [], deletes: [] };
      const r = await runPeer(peer, ["read", urls.tcp, bucket, manifestFile(m)], { timeoutMs: PEER_TIMEOUT });
      assertRan(r, `${peer.label} read`);
      const got = (JSON.parse(r.stdout) as ReadDoc).objects[0];
      assert.equal(got?.ok, false, `${peer.label} read an object whose digest does not match: ${JSON.stringify(got)}`);
      await assert.rejects(() => store.getBytes("victim"), { code: "DIGEST_MISMATCH" });
    });

    test(`ours watches ${peer.label}'s puts and deletes as they happen`, { timeout: TEST_TIMEOUT }, async () => {
      const bucket = uniqueBucket(`watch_${peer.id}`);
      const store = await osm.createObjectStore({ bucket });
      const watcher = await store.watch({ updatesOnly: true });
      const small = testBytes(10, 3);
      const two = testBytes(CHUNK + 1, 4);
      const [f1, f2] = [join(tmp, `w-${peer.id}-1`), join(tmp, `w-${peer.id}-2`)];
      writeFileSync(f1, small);
      writeFileSync(f2, two);
      const m: Manifest = { objects: [{ name: "w/one ✓", file: f1 }, { name: "w/two", file: f2 }], links: [], deletes: ["w/one ✓"] };
      const seen: ObjectInfo[] = [];
      const collected = (async () => {
        for await (const e of watcher) {
          seen.push(e);
          if (seen.length === 3) break;
        }
      })();
      const w = await runPeer(peer, ["write", urls.tcp, bucket, manifestFile(m)], { timeoutMs: PEER_TIMEOUT });
      assertRan(w, `${peer.label} write`);
      const timer = setTimeout(() => watcher.stop(), 15_000);
      await collected;
      clearTimeout(timer);
      // a delete marker's digest is left out: clients differ (README, Compatibility notes)
      assert.deepEqual(
        seen.map((e) => ({ name: e.name, deleted: !!e.deleted, size: e.size, ...(e.deleted ? {} : { digest: e.digest }) })),
        [
          { name: "w/one ✓", deleted: false, size: 10, digest: adrDigest(small) },
          { name: "w/two", deleted: false, size: CHUNK + 1, digest: adrDigest(two) },
          { name: "w/one ✓", deleted: true, size: 0 },
        ],
      );
    });
  });
}

/** (c) the nats CLI: put/get/ls/info/add/rm/seal/watch against ours. */
function cliPeer(peer: FoundPeer): void {
  describe(`interop peer ${peer.label}`, () => {
    let home = "";
    /** Runs `nats ... --server <tcp>` with a home of its own (no contexts of the user's). */
    const nats = async (args: string[], want = 0): Promise<PeerRun> => {
      const r = await runPeer(peer, [...args, "--server", urls.tcp, "--timeout", "30s"], {
        timeoutMs: PEER_TIMEOUT,
        env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_DATA_HOME: join(home, ".local"), NATS_CONTEXT: "", NO_COLOR: "1" },
      });
      assert.equal(r.code, want, `nats ${args.join(" ")}: exit ${r.code} after ${r.ms} ms\n${r.stdout}\n${r.stderr.trim()}`);
      return r;
    };
    let bucket = "";
    let ours = 0;
    let theirs = 0;
    let oursTotal = 0;
    let theirsTotal = 0;
    before(async () => {
      home = join(tmp, "cli-home");
      mkdirSync(home, { recursive: true });
      bucket = uniqueBucket("cli");
      await osm.createObjectStore({ bucket, description: "for the nats CLI" });
    });
    after(() => {
      recordRow(peer.label, server, { oursReadTheirs: `${ours}/${oursTotal}`, theirsReadOurs: `${theirs}/${theirsTotal}` });
    });

    const cliObjects = () => fx.objects.filter((o) => !fx.deletes.includes(o.name));

    test("`nats object put` of files: ours reads them byte for byte, with description and headers", { timeout: TEST_TIMEOUT }, async () => {
      const store = await osm.objectStore(bucket);
      for (const o of cliObjects()) {
        oursTotal++;
        const name = `cli/${o.name}`;
        const extra = [
          ...(o.description ? ["--description", o.description] : []),
          ...Object.entries(o.headers ?? {}).flatMap(([k, vs]) => vs.flatMap((v) => ["-H", `${k}:${v}`])),
        ];
        await nats(["object", "put", bucket, o.file, "--name", name, "--no-progress", "-f", ...extra]);
        const res = await store.get(name);
        const data = await res.bytes();
        assert.equal(sha256(data), o.sha256, `${name}: bytes`);
        assert.equal(res.info.digest, o.digest, `${name}: digest`);
        assert.equal(res.info.chunks, Math.ceil(o.size / CHUNK), `${name}: chunks`);
        assert.equal(res.info.description ?? "", o.description ?? "", `${name}: description`);
        assert.deepEqual(res.info.headers ?? {}, o.headers ?? {}, `${name}: headers`);
        ours++;
      }
    });

    test("ours puts; `nats object get` writes the same bytes; `ls` and `info` see our objects", { timeout: TEST_TIMEOUT }, async () => {
      const store = await osm.objectStore(bucket);
      const names: string[] = [];
      for (const o of cliObjects()) {
        theirsTotal++;
        const name = `ours/${o.name}`;
        names.push(name);
        const { file: _f, size: _s, sha256: _h, digest: _d, ...meta } = o;
        await store.put({ ...meta, name }, new Uint8Array(readFileSync(o.file)));
        const out = join(tmp, `cli-get-${theirsTotal}`);
        await nats(["object", "get", bucket, name, "--output", out, "--no-progress", "-f"]);
        assert.equal(sha256(new Uint8Array(readFileSync(out))), o.sha256, `${name}: bytes nats object get wrote`);
        const info = (await nats(["object", "info", bucket, name])).stdout;
        // the CLI prints the digest it decoded from our meta as hex: padded base64url read back right
        assert.match(info, new RegExp(`SHA-256 ${o.sha256}`), `${name}: info digest\n${info}`);
        if (o.description) assert.ok(info.includes(o.description), `${name}: info description\n${info}`);
        theirs++;
      }
      const listed = (await nats(["object", "ls", bucket, "--names"])).stdout.split("\n").filter((l) => l.startsWith("ours/"));
      assert.deepEqual(listed.sort(), names.sort());
      await store.delete(names[0]!);
      await nats(["object", "get", bucket, names[0]!, "--output", join(tmp, "cli-deleted"), "-f"], 1);
    });

    test("`nats object add` makes a bucket ours opens (description, metadata, compression); `rm` and `seal` take effect", { timeout: TEST_TIMEOUT }, async () => {
      const made = uniqueBucket("cliadd");
      const extra = modern ? ["--metadata", "team=interop", "--compress"] : [];
      await nats(["object", "add", made, "--description", "made by the nats CLI", "--replicas", "1", ...extra]);
      const store = await osm.objectStore(made);
      const st = await store.status();
      assert.equal(st.description, "made by the nats CLI");
      if (modern) {
        assert.deepEqual(st.metadata, { team: "interop" });
        assert.equal(st.compression, true);
      }
      await store.putString("note", "hello from ours");
      await nats(["object", "rm", made, "note", "-f"]);
      assert.equal((await store.getInfo("note", { showDeleted: true })).deleted, true);
      await assert.rejects(() => store.getString("note"), { code: "OBJECT_NOT_FOUND" });
      await nats(["object", "seal", made, "-f"]);
      assert.equal((await store.status()).sealed, true);
    });
  });
}
