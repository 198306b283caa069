#!/usr/bin/env node
/**
 * Idempotent set-up of a fresh Debian machine for this project (plain Node, no dependencies: it runs
 * before `npm ci`). Quiet unless it installs something.
 *
 *   node scripts/setup.mjs          nats-server (apt) + node_modules (npm ci)
 *   node scripts/setup.mjs test     the same + Chromium (apt package `chromium`) for the browser tests, and Go
 *                                   with Debian's nats.go sources for the nats.go interop peer (test/interop-go)
 *
 * - nats-server missing from PATH  -> apt-get update; apt-get install -y nats-server
 * - `test` and /usr/bin/chromium missing -> apt-get install -y chromium
 * - `test` and `go` or Debian's nats.go sources (/usr/share/gocode/src/github.com/nats-io/nats.go) missing
 *   -> apt-get install -y golang-go golang-github-nats-io-go-nats-dev (the peer builds offline from those)
 * - node_modules missing or older than package-lock.json -> npm ci (npm install when there is no lock)
 *
 * Works with no stdin and CI=true (apt runs non-interactively; sudo is used when not root).
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const wantTest = process.argv.slice(2).includes("test");

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? "").split(delimiter).concat(["/usr/sbin", "/usr/bin", "/usr/local/bin"])) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

// SETUP_DRY_RUN=1 prints what would be run; SETUP_PRETEND_MISSING=nats-server,chromium,go,node_modules
// treats those as missing (both for testing this script).
const dryRun = !!process.env.SETUP_DRY_RUN;
const pretendMissing = new Set((process.env.SETUP_PRETEND_MISSING ?? "").split(",").filter(Boolean));

function run(cmd, args, opts = {}) {
  console.log(`setup: ${cmd} ${args.join(" ")}`);
  if (dryRun) return;
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.error) throw new Error(`setup: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`setup: ${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
}

let aptUpdated = false;
function aptInstall(pkgs) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!onPath("apt-get")) throw new Error(`setup: need ${pkgs.join(", ")} but apt-get is not available; install them by hand`);
  const sudo = isRoot ? [] : onPath("sudo") ? ["sudo", "-n"] : null;
  if (sudo === null) throw new Error(`setup: need root (or sudo) to install ${pkgs.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const apt = (args) => (sudo.length ? run(sudo[0], [...sudo.slice(1), "apt-get", ...args], { env }) : run("apt-get", args, { env }));
  if (!aptUpdated) {
    apt(["update", "-q"]);
    aptUpdated = true;
  }
  apt(["install", "-y", "-q", ...pkgs]);
}

const mtime = (p) => statSync(p).mtimeMs;

function nodeModulesStale() {
  const nm = join(ROOT, "node_modules");
  if (!existsSync(nm)) return "missing";
  const lock = join(ROOT, "package-lock.json");
  if (!existsSync(lock)) return false;
  // npm writes node_modules/.package-lock.json at the end of every install.
  const stamp = join(nm, ".package-lock.json");
  const installed = existsSync(stamp) ? mtime(stamp) : mtime(nm);
  return mtime(lock) > installed ? "older than package-lock.json" : false;
}

try {
  const apt = [];
  if (pretendMissing.has("nats-server") || !onPath("nats-server")) apt.push("nats-server");
  if (wantTest && (pretendMissing.has("chromium") || !existsSync("/usr/bin/chromium"))) apt.push("chromium");
  if (wantTest) {
    if (pretendMissing.has("go") || !onPath("go")) apt.push("golang-go");
    if (pretendMissing.has("go") || !existsSync("/usr/share/gocode/src/github.com/nats-io/nats.go/object.go")) {
      apt.push("golang-github-nats-io-go-nats-dev");
    }
  }
  if (apt.length) aptInstall(apt);

  const stale = pretendMissing.has("node_modules") ? "missing (pretend)" : nodeModulesStale();
  if (stale) {
    const hasLock = existsSync(join(ROOT, "package-lock.json"));
    console.log(`setup: node_modules ${stale}`);
    run("npm", hasLock ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"], { cwd: ROOT });
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
