/**
 * The nats.go object store peer (test/interop-go/main.go), built offline against Debian's nats.go
 * sources (packages golang-go and golang-github-nats-io-go-nats-dev, installed by
 * `node scripts/setup.mjs test`) in GOPATH mode: no module proxy, no network.
 *
 * The binary is cached in node_modules/.cache/interop-go/, keyed by a hash of the peer's source, the Go
 * version and the nats.go sources, so only the first run (or a change to one of those) pays the build.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SOURCE_DIR = join(REPO_ROOT, "test", "interop-go");
const CACHE_DIR = join(REPO_ROOT, "node_modules", ".cache", "interop-go");
/** Where Debian installs Go library sources (a GOPATH). */
const GOPATH = process.env.INTEROP_GO_GOPATH ?? "/usr/share/gocode";
const NATS_GO = join(GOPATH, "src", "github.com", "nats-io", "nats.go");

/** Exit codes of the peer (see main.go). */
export const GO_EXIT = {
  ok: 0,
  other: 1,
  notFound: 2,
  digestMismatch: 3,
  badMeta: 4,
  bucketNotFound: 5,
  linkIsBucket: 6,
  alreadyExists: 7,
  usage: 9,
} as const;

/** The result of one peer command. */
export interface GoRun {
  code: number;
  stdout: string;
  stderr: string;
}

function goBinary(): string {
  for (const p of [process.env.GO_BIN, "/usr/bin/go", "/usr/lib/go/bin/go", "/usr/local/go/bin/go"]) {
    if (p && existsSync(p)) return p;
  }
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  if (r.status === 0) return "go";
  throw new Error("Go is not installed: run `node scripts/setup.mjs test` (apt packages golang-go, golang-github-nats-io-go-nats-dev)");
}

function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: "off", // GOPATH mode: imports resolve in Debian's /usr/share/gocode
    GOPATH,
    GOFLAGS: "",
    GOPROXY: "off", // never the network
    GOTOOLCHAIN: "local",
    GOENV: "off",
    CGO_ENABLED: "0", // no C compiler needed
    GOCACHE: join(CACHE_DIR, "gocache"),
  };
}

/** Hash of everything the binary depends on. */
function buildKey(go: string): string {
  const h = createHash("sha256");
  for (const f of readdirSync(SOURCE_DIR).filter((f) => f.endsWith(".go")).sort()) {
    h.update(f).update(readFileSync(join(SOURCE_DIR, f)));
  }
  const v = spawnSync(go, ["version"], { encoding: "utf8", env: goEnv() });
  h.update(v.stdout ?? "");
  for (const dir of [NATS_GO, join(GOPATH, "src", "github.com", "nats-io", "nuid"), join(GOPATH, "src", "github.com", "nats-io", "nkeys")]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((f) => f.endsWith(".go")).sort()) {
      const st = statSync(join(dir, f));
      h.update(`${dir}/${f}:${st.size}:${st.mtimeMs}`);
    }
  }
  return h.digest("hex").slice(0, 16);
}

/** Builds the peer (or reuses the cached build) and returns the path of its binary. */
export function buildGoPeer(): string {
  const go = goBinary();
  if (!existsSync(join(NATS_GO, "object.go"))) {
    throw new Error(`nats.go sources with the object store not found in ${NATS_GO}: run \`node scripts/setup.mjs test\` (apt package golang-github-nats-io-go-nats-dev)`);
  }
  const key = buildKey(go);
  const bin = join(CACHE_DIR, `peer-${key}`);
  if (existsSync(bin)) return bin;
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${bin}.tmp-${process.pid}`;
  const r = spawnSync(go, ["build", "-o", tmp, "."], { cwd: SOURCE_DIR, env: goEnv(), encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`go build of test/interop-go failed (exit ${r.status ?? r.signal}):\n${r.stderr}${r.error?.message ?? ""}`);
  }
  renameSync(tmp, bin);
  for (const f of readdirSync(CACHE_DIR)) {
    if (f.startsWith("peer-") && join(CACHE_DIR, f) !== bin && !f.includes(".tmp-")) rmSync(join(CACHE_DIR, f), { force: true });
  }
  return bin;
}

/** Hex of a name's UTF-8 bytes: how the peer takes names on its command line. */
export function hexName(name: string): string {
  return Buffer.from(name, "utf8").toString("hex");
}

/** Runs the peer: `bin cmd url bucket ...args`. Never rejects on a non-zero exit; see `code`. */
export function runGoPeer(bin: string, args: string[], timeoutMs = 60_000): Promise<GoRun> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") {
        reject(new Error(`interop-go ${args[0]}: ${err.message}\n${stderr}`));
        return;
      }
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}
