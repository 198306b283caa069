/**
 * The nats-server matrix (scripts/nats-servers.json) and where each server's binary lives: which
 * version a name means (`2.12.x`, `2.12`, `2.12.15`, `v2.12.15`, `newest`, `debian`), the cache the
 * Go-built servers go to, and building one there. Plain Node, no dependencies: scripts/setup.mjs uses
 * it before `npm ci`; the test harness, the benchmark and the demo use it through tsx.
 *
 * Cache: `$NATS_SERVER_CACHE`, else `$XDG_CACHE_HOME/nats-objectstore-web/nats-server`, else
 * `~/.cache/nats-objectstore-web/nats-server`; one directory per version, `vX.Y.Z/nats-server`.
 * A build goes to a temporary directory first and is renamed into place, so a half-built binary is
 * never found, and concurrent set-ups (other test runs) at worst build the same version twice.
 */
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const MATRIX_FILE = join(HERE, "nats-servers.json");

/** @type {{ newest: string, versions: { version: string, source: "debian" | "go" }[] }} */
const matrix = JSON.parse(readFileSync(MATRIX_FILE, "utf8"));

/** The newest release, the default server of the tests, the benchmark and the demo. */
export const NEWEST = matrix.newest;

/** Every version of the matrix, oldest first. */
export const MATRIX = matrix.versions.map((v) => ({ ...v }));

/** Where Debian's package installs its server. */
export const DEBIAN_BIN = "/usr/sbin/nats-server";

/** The directory holding one subdirectory per Go-built version. */
export function cacheDir() {
  if (process.env.NATS_SERVER_CACHE) return process.env.NATS_SERVER_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "nats-objectstore-web", "nats-server");
}

/** The cached binary of a Go-built version (it may not exist). */
export function cachedBinary(version) {
  return join(cacheDir(), `v${version}`, "nats-server");
}

/**
 * The matrix entry a name means: `newest`/`latest` (or empty), `debian` (the 2.9 package), a line
 * (`2.12`, `2.12.x`) or an exact version (`2.12.15`, `v2.12.15`). An exact version outside the matrix is
 * a Go-built one (`setup.mjs server X.Y.Z` builds it). Throws on a name that is none of these.
 * @param {string | undefined} spec
 * @returns {{ version: string, source: "debian" | "go" }}
 */
export function resolveVersion(spec) {
  const s = (spec ?? "").trim().replace(/^v/, "");
  if (s === "" || s === "newest" || s === "latest") return entryOf(NEWEST);
  if (s === "debian") return MATRIX.find((v) => v.source === "debian");
  const line = /^(\d+)\.(\d+)(?:\.x)?$/.exec(s);
  if (line) {
    const found = MATRIX.filter((v) => v.version.startsWith(`${line[1]}.${line[2]}.`)).pop();
    if (!found) throw new Error(`nats-server ${spec}: no ${line[1]}.${line[2]} line in the matrix (${MATRIX_FILE})`);
    return found;
  }
  if (/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(s)) return MATRIX.find((v) => v.version === s) ?? { version: s, source: "go" };
  throw new Error(`nats-server version "${spec}": use X.Y.Z, X.Y.x, newest or debian`);
}

function entryOf(version) {
  return MATRIX.find((v) => v.version === version) ?? { version, source: "go" };
}

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? "").split(delimiter).concat(["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/go/bin"])) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The version a nats-server binary reports (`nats-server --version`), or undefined. */
export function binaryVersion(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 20_000 });
  return /v?(\d+\.\d+\.\d+\S*)/.exec(`${r.stdout ?? ""}${r.stderr ?? ""}`)?.[1];
}

/** The Debian-packaged server (or any `nats-server` on PATH) when it is the matrix's Debian version. */
function debianBinary(version) {
  for (const bin of [DEBIAN_BIN, onPath("nats-server")]) {
    if (bin && existsSync(bin) && binaryVersion(bin) === version) return bin;
  }
  return undefined;
}

/**
 * Finds the binary of a version. Returns `{ bin, version }`, or `{ missing }` with a message that
 * says how to get it.
 * @param {string | undefined} spec a name for {@link resolveVersion}
 * @returns {{ bin: string, version: string, missing?: undefined } | { missing: string, version: string, bin?: undefined }}
 */
export function findServer(spec) {
  const e = resolveVersion(spec);
  if (e.source === "debian") {
    const bin = debianBinary(e.version);
    return bin
      ? { bin, version: e.version }
      : { version: e.version, missing: `nats-server ${e.version} (Debian's package) is not installed: apt-get install nats-server, or node scripts/setup.mjs` };
  }
  const bin = cachedBinary(e.version);
  if (existsSync(bin)) return { bin, version: e.version };
  const how = goBinary()
    ? `node scripts/setup.mjs server ${e.version}`
    : "install Go (go is not on PATH), then node scripts/setup.mjs test";
  return { version: e.version, missing: `nats-server ${e.version} is not built on this machine (${bin}): ${how}` };
}

/** The `go` command, or undefined when Go is missing. */
export function goBinary() {
  return onPath("go");
}

/**
 * Builds one version with `go install` into the cache (through the Go module proxy). Resolves with the
 * binary; rejects with the tail of Go's output when the build fails or Go is missing.
 * @param {string} version exact X.Y.Z
 * @param {{ log?: (line: string) => void, timeoutMs?: number }} [opts]
 * @returns {Promise<string>}
 */
export async function buildServer(version, opts = {}) {
  const go = goBinary();
  if (!go) throw new Error(`cannot build nats-server ${version}: Go is not installed (no go on PATH)`);
  const final = cachedBinary(version);
  if (existsSync(final)) return final;
  const root = cacheDir();
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, `.build-v${version}-`));
  try {
    opts.log?.(`go install github.com/nats-io/nats-server/v2@v${version}`);
    const t0 = Date.now();
    const r = await new Promise((resolve) => {
      let out = "";
      const child = spawn(go, ["install", "-trimpath", `github.com/nats-io/nats-server/v2@v${version}`], {
        cwd: tmp, // outside any module
        env: { ...process.env, GOBIN: join(tmp, "bin"), CGO_ENABLED: "0", GOFLAGS: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30 * 60_000);
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.once("error", (error) => {
        clearTimeout(timer);
        resolve({ code: null, out: `${out}\n${error.message}` });
      });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? signal, out });
      });
    });
    if (r.code !== 0) {
      const tail = r.out.trim().split("\n").slice(-15).join("\n");
      throw new Error(`go install nats-server v${version} failed (exit ${r.code}):\n${tail}`);
    }
    mkdirSync(dirname(final), { recursive: true });
    try {
      renameSync(join(tmp, "bin", "nats-server"), final);
    } catch (e) {
      if (!existsSync(final)) throw e; // another set-up put it there first
    }
    opts.log?.(`built nats-server ${version} in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${final}`);
    return final;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
