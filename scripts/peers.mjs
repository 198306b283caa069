/**
 * The live interop peers of issue #14: one small program per official client under
 * test/interop/<peer>/, each described by its own `test/interop/<peer>/peer.mjs` (found here by
 * listing that folder, so adding a peer touches no shared file). Plain Node, no dependencies:
 * scripts/setup.mjs builds the peers before `npm ci`; the test harness (test/harness/peers.ts) finds them
 * through tsx.
 *
 * A peer.mjs exports as default a {@link PeerDef}:
 *   { id, label, client, version, kind: "contract" | "cli",
 *     toolchain(tools): string | Promise<string>     // what builds it, e.g. `go version go1.26.8 linux/amd64`
 *                                                    // (tools.toolVersion("go", ["version"])); throws
 *                                                    // tools.PeerMissing when the toolchain is not installed
 *     build({ src, out, run, log, ...tools }): Promise<void>   // builds into `out` (a fresh, empty directory)
 *     command({ src, out }): { argv: string[], env?: Record<string, string> } }
 * where tools = { toolVersion, which, PeerMissing } (a peer.mjs imports nothing from here: this module
 * imports it).
 *
 * Each build goes once per machine into the cache: `$NATS_PEERS_CACHE`, else
 * `$XDG_CACHE_HOME/nats-objectstore-web/peers`, else `~/.cache/nats-objectstore-web/peers`, one directory
 * `<id>-<hash>` per peer, where the hash covers every file of the peer's folder (its sources, go.sum,
 * pinned versions) and the toolchain's version string. A build goes to a temporary directory renamed
 * into place, so a half-built peer is never found; older builds of the same peer are then removed.
 *
 * The contract every `kind: "contract"` peer program follows (same for every language):
 *   <peer> write <natsTcpUrl> <bucket> <manifest.json>
 *   <peer> read  <natsTcpUrl> <bucket> <manifest.json>
 * See test/harness/peers.ts for the manifest and the JSON document `read` prints.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the peers' folders are. */
export const INTEROP_DIR = join(ROOT, "test", "interop");

/** Thrown by a peer's `toolchain()` when what builds it is not installed: the peer is missing, not broken. */
export class PeerMissing extends Error {}

/** The directory holding one subdirectory per built peer. */
export function peersCacheDir() {
  if (process.env.NATS_PEERS_CACHE) return process.env.NATS_PEERS_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "nats-objectstore-web", "peers");
}

/** The path of `cmd` on PATH (and the usual bin folders), or undefined. */
export function which(cmd) {
  const dirs = (process.env.PATH ?? "").split(delimiter).concat(["/usr/local/bin", "/usr/bin", "/usr/local/go/bin", join(homedir(), ".cargo", "bin")]);
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * What `cmd args` prints (stdout and stderr, trimmed), for a toolchain's version string. Throws
 * {@link PeerMissing} when `cmd` is not installed or fails.
 */
export function toolVersion(cmd, args = ["--version"]) {
  const bin = which(cmd);
  if (!bin) throw new PeerMissing(`${cmd} is not installed (not on PATH)`);
  const r = spawnSync(bin, args, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new PeerMissing(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? "").trim()}`);
  return `${bin}: ${`${r.stdout ?? ""}${r.stderr ?? ""}`.trim()}`;
}

/**
 * Runs a command for a build: resolves when it exits 0, rejects with the tail of its output otherwise.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string, string | undefined>, timeoutMs?: number }} [opts]
 */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    let out = "";
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20 * 60_000);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} failed (exit ${code ?? signal}):\n${out.trim().split("\n").slice(-20).join("\n")}`));
    });
  });
}

/** What a peer.mjs gets to find and version its toolchain. */
const TOOLS = { toolVersion, which, PeerMissing, run };

/** Every peer definition under test/interop/, by id. */
export async function loadPeers() {
  const defs = [];
  if (!existsSync(INTEROP_DIR)) return defs;
  for (const dir of readdirSync(INTEROP_DIR).sort()) {
    const file = join(INTEROP_DIR, dir, "peer.mjs");
    if (!existsSync(file)) continue;
    const def = (await import(pathToFileURL(file).href)).default;
    defs.push({ ...def, src: join(INTEROP_DIR, dir) });
  }
  return defs;
}

/**
 * What in a peer's source tree is build output, not sources (never hashed): folders, and Cargo.lock,
 * which cargo writes next to Cargo.toml on each build (not kept in the repo).
 */
const SKIP = new Set(["target", "build", "node_modules", "__pycache__", ".venv", "bin", "out", "Cargo.lock"]);

function sourceFiles(dir, base = dir) {
  const files = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".") || SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...sourceFiles(p, base));
    else if (e.isFile()) files.push(relative(base, p));
  }
  return files;
}

/** The cache directory of a peer's build for this toolchain (it may not exist). */
function buildDir(def, toolchain) {
  const h = createHash("sha256");
  h.update(toolchain);
  for (const f of sourceFiles(def.src)) h.update(`\0${f}\0`).update(readFileSync(join(def.src, f)));
  return join(peersCacheDir(), `${def.id}-${h.digest("hex").slice(0, 16)}`);
}

/**
 * A built peer: `{ id, label, client, version, kind, argv, env, dir }`, or `{ id, label, missing }`
 * saying why there is none (toolchain missing, or not built yet: `built: false`).
 */
export async function findPeer(def) {
  let toolchain;
  try {
    toolchain = await def.toolchain(TOOLS);
  } catch (e) {
    if (e instanceof PeerMissing) return { id: def.id, label: def.label, missing: `${def.label}: ${e.message}`, toolchainMissing: true };
    throw e;
  }
  const out = buildDir(def, toolchain);
  if (!existsSync(out)) return { id: def.id, label: def.label, missing: `${def.label} is not built (${out}): node scripts/setup.mjs test`, toolchainMissing: false };
  const { argv, env } = def.command({ src: def.src, out });
  return { id: def.id, label: def.label, client: def.client, version: def.version, kind: def.kind, argv, env: env ?? {}, dir: out };
}

/**
 * Builds a peer into the cache unless it is there. Resolves with {@link findPeer}'s answer (a missing
 * toolchain resolves as missing); rejects when the build fails.
 */
export async function buildPeer(def, opts = {}) {
  const found = await findPeer(def);
  if (!found.missing || found.toolchainMissing) return found;
  const toolchain = await def.toolchain(TOOLS);
  const final = buildDir(def, toolchain);
  mkdirSync(peersCacheDir(), { recursive: true });
  const tmp = mkdtempSync(join(peersCacheDir(), `.build-${def.id}-`));
  const t0 = Date.now();
  try {
    opts.log?.(`building interop peer ${def.label} (once per machine)`);
    await def.build({ src: def.src, out: tmp, run, log: opts.log ?? (() => {}), ...TOOLS });
    try {
      renameSync(tmp, final);
    } catch (e) {
      if (!existsSync(final)) throw e; // another set-up put it there first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const d of readdirSync(peersCacheDir())) {
    if (d.startsWith(`${def.id}-`) && join(peersCacheDir(), d) !== final) rmSync(join(peersCacheDir(), d), { recursive: true, force: true });
  }
  opts.log?.(`built interop peer ${def.label} in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${final}`);
  return findPeer(def);
}

/**
 * Builds every peer (or those of `ids`), one at a time (the machine has two cores and each build
 * uses them). Resolves with the problems: missing toolchains and failed builds, one line each.
 */
export async function buildPeers(opts = {}) {
  const problems = [];
  for (const def of await loadPeers()) {
    if (opts.ids && !opts.ids.includes(def.id)) continue;
    try {
      const r = await buildPeer(def, opts);
      if (r.missing) problems.push(r.missing);
    } catch (e) {
      problems.push(`interop peer ${def.label}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

// `node scripts/peers.mjs [id...]` builds peers by hand (all when none is named).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ids = process.argv.slice(2);
  const problems = await buildPeers({ ids: ids.length ? ids : undefined, log: (l) => console.log(`peers: ${l}`) });
  for (const p of problems) console.error(`peers: error: ${p}`);
  process.exit(problems.length ? 1 : 0);
}
