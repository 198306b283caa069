/**
 * The live interop peers of issue #14 (test/node/interop-peers.test.ts): the official clients as
 * programs under test/interop/<peer>/, built once per machine by scripts/peers.mjs, and what the test
 * shares between them: the fixture set, the manifest a peer is given, the document it prints, our own
 * library doing the same two jobs, and one check of a read document against the fixtures.
 *
 * THE PEER CONTRACT (every `kind: "contract"` peer, whatever its language):
 *
 *   <peer> write <natsTcpUrl> <bucket> <manifest.json>
 *   <peer> read  <natsTcpUrl> <bucket> <manifest.json>
 *
 * `write` creates the bucket when the manifest has `createBucket` (else opens it), puts every object
 * of `objects` (with its description, headers and metadata where the client has them), adds the
 * `links`, then deletes the names of `deletes` (which are among `objects`). Exit 0 on success, else a
 * message on stderr and a non-zero exit. It may print one JSON line `{"unsupported": [feature...]}`:
 * what the client could not write (those comparisons are skipped for what it wrote).
 *
 * `read` opens the bucket and prints ONE JSON document ({@link ReadDoc}): the bucket's description and
 * metadata (its status); every object of `objects` not in `deletes` read through the client's get with
 * its own digest check (the SHA-256 of the bytes read, in hex, and the meta fields); the links (from
 * the link's info); each deleted name (its info with deleted shown, and a plain get must fail); and
 * the names the client's list returns (deleted ones left out). A failure of one object goes in its
 * entry (`ok: false`, `error`), not a crash. `unsupported` names what the client cannot read.
 *
 * Features a peer may name as unsupported: {@link Feature}.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ObjectStore, ObjectStoreManager } from "../../src/index.js";
import { buildPeer, loadPeers, type FoundPeer, type PeerDef } from "../../scripts/peers.mjs";
import { testBytes } from "./fixtures.js";

/** The default chunk size of every client. */
export const CHUNK = 128 * 1024;

/** What a client may lack; comparisons of a feature a peer names as unsupported are skipped. */
export type Feature = "description" | "headers" | "object-metadata" | "bucket-description" | "bucket-metadata" | "links" | "bucket-links";

/** One object of a manifest. */
export interface ManifestObject {
  name: string;
  /** Absolute path of the content. */
  file: string;
  description?: string;
  headers?: Record<string, string[]>;
  metadata?: Record<string, string>;
}

/** One link of a manifest: an object link (`targetName`) or a bucket link (none). */
export interface ManifestLink {
  name: string;
  targetBucket: string;
  targetName?: string;
}

/** What a peer is given: the file it reads with `write` and `read`. */
export interface Manifest {
  createBucket?: { description?: string; metadata?: Record<string, string> };
  objects: ManifestObject[];
  links: ManifestLink[];
  /** Names among `objects`, deleted after the puts. */
  deletes: string[];
}

/** One object as a reader saw it. */
export interface ReadObject {
  name: string;
  ok: boolean;
  error?: string;
  size?: number;
  /** Hex SHA-256 of the bytes read. */
  sha256?: string;
  chunks?: number;
  digest?: string;
  description?: string;
  headers?: Record<string, string[]>;
  metadata?: Record<string, string>;
}

/** One link as a reader saw it (its own info, not its target's). */
export interface ReadLink {
  name: string;
  ok: boolean;
  error?: string;
  bucket?: string;
  targetName?: string;
}

/** One deleted name as a reader saw it. */
export interface ReadDeleted {
  name: string;
  ok: boolean;
  error?: string;
  deleted?: boolean;
}

/** The document `read` prints. */
export interface ReadDoc {
  unsupported?: Feature[];
  bucket: { description?: string; metadata?: Record<string, string> };
  objects: ReadObject[];
  links: ReadLink[];
  deleted: ReadDeleted[];
  list: string[];
}

/** One object of the fixture set, with what its bytes hash to. */
export interface FixtureObject extends ManifestObject {
  size: number;
  sha256: string;
  /** ADR-20: `SHA-256=` + padded base64url of the digest. */
  digest: string;
}

/** The fixture set: files on disk, and the manifest of a bucket holding them. */
export interface Fixture {
  objects: FixtureObject[];
  /** Object link names, to an object of the same bucket. */
  links: { name: string; targetName: string }[];
  /** Bucket link names. */
  bucketLinks: string[];
  deletes: string[];
  /** The manifest for a bucket (`bucket`), whose bucket links point at `linkBucket`. */
  manifest(bucket: string, linkBucket: string, create?: Manifest["createBucket"]): Manifest;
}

/** A name as problem lines show it: long ones cut. */
const show = (name: string) => JSON.stringify(name.length > 48 ? `${name.slice(0, 40)}…(${name.length} chars)` : name);
const hex = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** ADR-20's digest form of some bytes. */
export const adrDigest = (b: Uint8Array) => `SHA-256=${createHash("sha256").update(b).digest("base64url")}=`;

/**
 * Writes the fixture set's files under `dir`: sizes 0, 1, chunk-1, chunk, chunk+1 and 5 MiB + 3 with
 * the default 128 KiB chunk; names in ASCII, accented Latin-1, CJK, emoji, with spaces, slashes and
 * dots, and a very long one; descriptions, headers and metadata; an object link and a bucket link;
 * two deleted objects.
 */
export function makeFixture(dir: string): Fixture {
  const specs: (Omit<ManifestObject, "file"> & { size: number })[] = [];
  const add = (name: string, size: number, extra: Omit<ManifestObject, "file" | "name"> = {}) => specs.push({ name, size, ...extra });
  add("empty", 0);
  add("café", 1, { description: "un café, s'il vous plaît" });
  add("日本語/ファイル.txt", CHUNK - 1, { headers: { "Content-Type": ["text/plain; charset=utf-8"] } });
  add("emoji 🎉 party.bin", CHUNK, { metadata: { kind: "emoji" } });
  add("dir/sub dir/archive.tar.gz", CHUNK + 1);
  add("big.data.v1", 5 * 1024 * 1024 + 3, {
    description: "five MiB and three bytes — ünïcödé ✓",
    headers: { "Content-Type": ["application/octet-stream"], "X-Tags": ["first", "second"] },
    metadata: { owner: "interop", "ключ": "значение", empty: "" },
  });
  add(".hidden", 17);
  add("ends.with.dot.", 2);
  add(`long/${"ä".repeat(100)}${"x".repeat(800)}`, 1000);
  add("to delete", 10);
  add("gone/ü.bin", CHUNK + 5);
  const objects = specs.map(({ size, ...meta }, i) => {
    const data = testBytes(size, 101 + i);
    const file = join(dir, `fixture-${i}.bin`);
    writeFileSync(file, data);
    return { ...meta, file, size, sha256: hex(data), digest: adrDigest(data) };
  });
  const links = [{ name: "link to big", targetName: "big.data.v1" }];
  const bucketLinks = ["bucket link"];
  const deletes = ["to delete", "gone/ü.bin"];
  return {
    objects,
    links,
    bucketLinks,
    deletes,
    manifest: (bucket, linkBucket, create) => ({
      ...(create ? { createBucket: create } : {}),
      objects: objects.map(({ size: _s, sha256: _h, digest: _d, ...o }) => o),
      links: [
        ...links.map((l) => ({ name: l.name, targetBucket: bucket, targetName: l.targetName })),
        ...bucketLinks.map((name) => ({ name, targetBucket: linkBucket })),
      ],
      deletes,
    }),
  };
}

/** The result of checking a read document: items (objects, links, deleted names) read right, of all, and every problem. */
export interface CheckResult {
  ok: number;
  total: number;
  problems: string[];
  /** Items the peer failed for a known difference of its own (see `excuse` of {@link checkRead}), with why. */
  known: string[];
}

const emptyToUndef = <T extends object>(v: T | undefined | null): T | undefined => (v && Object.keys(v).length > 0 ? v : undefined);
/** Metadata without the `_nats.` keys servers 2.11+ add of their own. */
const userMetadata = (m: Record<string, string> | undefined | null) =>
  emptyToUndef(Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !k.startsWith("_nats."))));
const same = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

/**
 * Checks a read document against the fixture set, as written into `bucket` (bucket links to
 * `linkBucket`, bucket config `bucketConfig`). `skip`: features the writer or the reader lacks.
 */
export function checkRead(
  doc: ReadDoc,
  fx: Fixture,
  where: { bucket: string; linkBucket: string; bucketConfig?: Manifest["createBucket"] },
  skip: readonly Feature[],
  excuse: (name: string) => string | undefined = () => undefined,
): CheckResult {
  const problems: string[] = [];
  const known: string[] = [];
  let ok = 0;
  let total = 0;
  const lacks = new Set([...skip, ...(doc.unsupported ?? [])]);
  const item = (what: string, errors: string[], name?: string) => {
    total++;
    const why = name === undefined ? undefined : excuse(name);
    if (errors.length === 0) ok++;
    else if (why) known.push(`${what}: ${why}`);
    else problems.push(...errors.map((e) => `${what}: ${e}`));
  };
  const cmp = (errors: string[], field: string, actual: unknown, expected: unknown) => {
    if (!same(actual, expected)) errors.push(`${field} is ${JSON.stringify(actual)}, wanted ${JSON.stringify(expected)}`);
  };

  for (const o of fx.objects.filter((o) => !fx.deletes.includes(o.name))) {
    const errors: string[] = [];
    const got = doc.objects.find((r) => r.name === o.name);
    if (!got) errors.push("missing from the document");
    else if (!got.ok) errors.push(`not read: ${got.error ?? "(no error given)"}`);
    else {
      cmp(errors, "size", got.size, o.size);
      cmp(errors, "sha256", got.sha256, o.sha256);
      cmp(errors, "chunks", got.chunks, Math.ceil(o.size / CHUNK));
      cmp(errors, "digest", got.digest, o.digest);
      if (!lacks.has("description")) cmp(errors, "description", got.description || undefined, o.description || undefined);
      if (!lacks.has("headers")) cmp(errors, "headers", emptyToUndef(got.headers), emptyToUndef(o.headers));
      if (!lacks.has("object-metadata")) cmp(errors, "metadata", emptyToUndef(got.metadata), emptyToUndef(o.metadata));
    }
    item(`object ${show(o.name)}`, errors, o.name);
  }
  const links = [
    ...(lacks.has("links") ? [] : fx.links.map((l) => ({ name: l.name, bucket: where.bucket, targetName: l.targetName as string | undefined }))),
    ...(lacks.has("bucket-links") ? [] : fx.bucketLinks.map((name) => ({ name, bucket: where.linkBucket, targetName: undefined }))),
  ];
  for (const l of links) {
    const errors: string[] = [];
    const got = doc.links.find((r) => r.name === l.name);
    if (!got) errors.push("missing from the document");
    else if (!got.ok) errors.push(`not read: ${got.error ?? "(no error given)"}`);
    else {
      cmp(errors, "bucket", got.bucket, l.bucket);
      cmp(errors, "targetName", got.targetName || undefined, l.targetName);
    }
    item(`link ${show(l.name)}`, errors, l.name);
  }
  for (const name of fx.deletes) {
    const errors: string[] = [];
    const got = doc.deleted.find((r) => r.name === name);
    if (!got) errors.push("missing from the document");
    else if (!got.ok) errors.push(got.error ?? "(no error given)");
    else cmp(errors, "deleted", got.deleted, true);
    item(`deleted ${show(name)}`, errors, name);
  }

  const listed = [...fx.objects.map((o) => o.name).filter((n) => !fx.deletes.includes(n)), ...links.map((l) => l.name)].sort();
  const listErrors: string[] = [];
  cmp(listErrors, "names", [...doc.list].sort(), listed.filter((n) => !excuse(n) || doc.list.includes(n)));
  if (listErrors.length) problems.push(...listErrors.map((e) => `list: ${e}`));
  if (where.bucketConfig) {
    const bc = where.bucketConfig;
    if (!lacks.has("bucket-description")) cmp(problems, "bucket description", doc.bucket.description || undefined, bc.description || undefined);
    if (!lacks.has("bucket-metadata")) cmp(problems, "bucket metadata", userMetadata(doc.bucket.metadata), userMetadata(bc.metadata));
  }
  return { ok, total, problems, known };
}

/** Our library doing a peer's `write`: creates or opens `bucket`, puts, links, deletes. */
export async function writeWithOurs(osm: ObjectStoreManager, bucket: string, m: Manifest): Promise<void> {
  const store = m.createBucket
    ? await osm.createObjectStore({ bucket, ...m.createBucket })
    : await osm.objectStore(bucket);
  for (const o of m.objects) {
    const { file, ...meta } = o;
    await store.put(meta, new Uint8Array(readFileSync(file)));
  }
  const open = (b: string): Promise<ObjectStore> => (b === bucket ? Promise.resolve(store) : osm.objectStore(b));
  for (const l of m.links) {
    const target = await open(l.targetBucket);
    if (l.targetName === undefined) await store.addBucketLink(l.name, target);
    else await store.addLink(l.name, await target.getInfo(l.targetName));
  }
  for (const name of m.deletes) await store.delete(name);
}

const errText = (e: unknown) => (e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e));

/** Our library doing a peer's `read`: the same document, each object read through our verifying get. */
export async function readWithOurs(osm: ObjectStoreManager, bucket: string, m: Manifest): Promise<ReadDoc> {
  const store = await osm.objectStore(bucket);
  const st = await store.status();
  const doc: ReadDoc = { bucket: { description: st.description, metadata: st.metadata }, objects: [], links: [], deleted: [], list: [] };
  for (const o of m.objects.filter((o) => !m.deletes.includes(o.name))) {
    try {
      const res = await store.get(o.name);
      const data = await res.bytes();
      const i = res.info;
      doc.objects.push({
        name: o.name, ok: true, size: data.length, sha256: hex(data), chunks: i.chunks, digest: i.digest,
        description: i.description, headers: i.headers, metadata: i.metadata,
      });
    } catch (e) {
      doc.objects.push({ name: o.name, ok: false, error: errText(e) });
    }
  }
  for (const l of m.links) {
    try {
      const link = (await store.getInfo(l.name)).options?.link;
      doc.links.push(link ? { name: l.name, ok: true, bucket: link.bucket, targetName: link.name } : { name: l.name, ok: false, error: "not a link" });
    } catch (e) {
      doc.links.push({ name: l.name, ok: false, error: errText(e) });
    }
  }
  for (const name of m.deletes) {
    try {
      const info = await store.getInfo(name, { showDeleted: true });
      const got = await store.get(name).then(() => true, () => false);
      doc.deleted.push({ name, ok: !got, deleted: !!info.deleted, ...(got ? { error: "get of a deleted object succeeded" } : {}) });
    } catch (e) {
      doc.deleted.push({ name, ok: false, error: errText(e) });
    }
  }
  doc.list = (await store.list()).map((i) => i.name);
  return doc;
}

/** What a peer program did. */
export interface PeerRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a peer: `argv... cmd url bucket manifest`. Never rejects on a non-zero exit; a time-out kills it (code null). */
export function runPeer(peer: FoundPeer, args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<PeerRun> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(peer.argv[0]!, [...peer.argv.slice(1), ...args], {
      env: { ...process.env, ...peer.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${opts.timeoutMs ?? 120_000} ms)`;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 120_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${peer.label}: cannot run ${peer.argv[0]}: ${e.message}`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** The last line of a peer's stdout that is a JSON object, parsed (`{}` when there is none). */
export function lastJson<T>(stdout: string): Partial<T> {
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  return line ? (JSON.parse(line) as Partial<T>) : {};
}

/** A peer of test/interop/ as the test sees it: built, missing (with why), or broken (a failed build). */
export type PeerState =
  | { def: PeerDef; peer: FoundPeer; missing?: undefined; buildMs: number }
  | { def: PeerDef; peer?: undefined; missing: string; broken: boolean };

/**
 * Every peer under test/interop/ (or those env `INTEROP_PEERS` names, ids separated by commas), each
 * built unless cached (a build takes minutes the first time).
 */
export async function preparePeers(log: (line: string) => void = () => {}): Promise<PeerState[]> {
  const out: PeerState[] = [];
  const only = process.env.INTEROP_PEERS?.split(",").map((s) => s.trim()).filter(Boolean);
  for (const def of await loadPeers()) {
    if (only?.length && !only.includes(def.id)) continue;
    const t0 = Date.now();
    try {
      const r = await buildPeer(def, { log });
      out.push(r.missing === undefined ? { def, peer: r, buildMs: Date.now() - t0 } : { def, missing: r.missing, broken: false });
    } catch (e) {
      out.push({ def, missing: `build failed: ${(e as Error).message}`, broken: true });
    }
  }
  return out;
}

/** One row of the interop table. */
export interface TableRow {
  peer: string;
  server: string;
  /** "ok/total" of the items ours read of the peer's bucket. */
  oursReadTheirs: string;
  /** "ok/total" of the items the peer read of ours. */
  theirsReadOurs: string;
}

const rows = new Map<string, TableRow>();

/** Records (or updates) a peer's row of the table. */
export function recordRow(peer: string, server: string, part: Partial<Pick<TableRow, "oursReadTheirs" | "theirsReadOurs">>): void {
  const row = rows.get(peer) ?? { peer, server, oursReadTheirs: "-", theirsReadOurs: "-" };
  rows.set(peer, { ...row, ...part });
}

/** The table of the run, as text. */
export function interopTable(): string {
  const head: TableRow = { peer: "peer", server: "server", oursReadTheirs: "ours read theirs", theirsReadOurs: "they read ours" };
  const all = [head, ...rows.values()];
  const w = (k: keyof TableRow) => Math.max(...all.map((r) => r[k].length));
  const line = (r: TableRow) => `| ${r.peer.padEnd(w("peer"))} | ${r.server.padEnd(w("server"))} | ${r.oursReadTheirs.padEnd(w("oursReadTheirs"))} | ${r.theirsReadOurs.padEnd(w("theirsReadOurs"))} |`;
  return [line(head), `|${["peer", "server", "oursReadTheirs", "theirsReadOurs"].map((k) => "-".repeat(w(k as keyof TableRow) + 2)).join("|")}|`, ...[...rows.values()].map(line)].join("\n");
}
