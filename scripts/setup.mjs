#!/usr/bin/env node
/**
 * Idempotent set-up of a fresh Debian machine for this project (plain Node, no dependencies: it runs
 * before `npm ci`). Quiet unless it installs something.
 *
 *   node scripts/setup.mjs          nats-server 2.9 (apt) and the newest release (Go) + node_modules (npm ci)
 *   node scripts/setup.mjs test     the same + every server of the matrix (scripts/nats-servers.json), the three
 *                                   browser engines of the tests (apt `chromium`; `firefox-esr`; `webkit2gtk-driver`
 *                                   with WebKitWebDriver and the MiniBrowser of libwebkit2gtk-4.1-0, `xvfb` and
 *                                   `xauth` for xvfb-run: test/harness/engines.ts), and Go with Debian's nats.go
 *                                   sources for the nats.go interop peer (test/interop-go)
 *                                   and the live interop peers of test/interop/ (scripts/peers.mjs: nats.go's
 *                                   jetstream API, the nats CLI, nats-py, ...; once per machine, into
 *                                   ~/.cache/nats-objectstore-web/peers/)
 *   node scripts/setup.mjs server V...   builds these nats-server versions (X.Y.Z, X.Y.x, newest) only
 *   ENGINES=chromium node scripts/setup.mjs test
 *                                   the same as `test` without Firefox and WebKit (env ENGINES: the engines besides
 *                                   Chromium to install, comma-separated; default firefox,webkit). Without `test`
 *                                   no browser is checked or installed.
 *
 * Servers other than Debian's 2.9.10 are built once per machine with `go install` (the Go module proxy)
 * into a cache outside the repo (scripts/nats-servers.mjs: ~/.cache/nats-objectstore-web/nats-server/
 * vX.Y.Z/nats-server), two at a time. Where Go is missing or a build fails, set-up says so; with CI=true
 * that is a failure (exit 1), elsewhere a warning (the runs that need the server then report it missing).
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
import { MATRIX, NEWEST, buildServer, findServer, goBinary, resolveVersion } from "./nats-servers.mjs";
import { buildPeers } from "./peers.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const wantTest = argv.includes("test");
const onlyServers = argv[0] === "server" ? argv.slice(1) : undefined;
const inCI = /^(1|true|yes)$/i.test(process.env.CI ?? "");

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

// SETUP_DRY_RUN=1 prints what would be run; SETUP_PRETEND_MISSING=nats-server,chromium,go,node_modules,v2.12.15,firefox,webkit
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

/** The packages of the engines besides Chromium (env ENGINES, comma-separated; default firefox,webkit) whose binaries are missing. */
function enginePackages() {
  const wanted = (process.env.ENGINES ?? "firefox,webkit").split(",").map((e) => e.trim()).filter(Boolean);
  /** @type {Record<string, [string, string][]>} engine -> [binary, package] */
  const needs = {
    firefox: [["/usr/bin/firefox-esr", "firefox-esr"]],
    webkit: [
      ["/usr/bin/WebKitWebDriver", "webkit2gtk-driver"],
      ["/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser", "libwebkit2gtk-4.1-0"],
      ["/usr/bin/xvfb-run", "xvfb"],
      ["/usr/bin/xauth", "xauth"],
    ],
  };
  const pkgs = [];
  for (const engine of wanted) {
    if (engine === "chromium") continue; // always there for `test`
    const list = needs[engine];
    if (!list) throw new Error(`setup: ENGINES: unknown engine ${engine} (firefox, webkit)`);
    for (const [bin, pkg] of list) if (pretendMissing.has(engine) || !existsSync(bin)) pkgs.push(pkg);
  }
  return pkgs;
}

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

/**
 * Builds the Go-built servers named (two at a time). Returns the problems (missing Go, failed builds).
 * @param {string[]} specs
 */
async function buildServers(specs) {
  const wanted = [...new Set(specs.map((s) => resolveVersion(s)).filter((e) => e.source === "go").map((e) => e.version))];
  const todo = wanted.filter((v) => pretendMissing.has(`v${v}`) || findServer(v).missing);
  if (todo.length === 0) return [];
  if (pretendMissing.has("go") || !goBinary()) return [`nats-server ${todo.join(", ")}: Go is not installed (no go on PATH), so they cannot be built`];
  console.log(`setup: building nats-server ${todo.join(", ")} with go install (once per machine)`);
  if (dryRun) return [];
  const problems = [];
  const queue = [...todo];
  const worker = async () => {
    for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
      try {
        await buildServer(v, { log: (line) => console.log(`setup: ${line}`) });
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return problems;
}

/** Reports server problems: a failure in CI (or when asked for servers by name), a warning elsewhere. */
function reportServerProblems(problems, fatal) {
  if (problems.length === 0) return;
  for (const p of problems) console.error(`setup: ${fatal ? "error" : "warning"}: ${p}`);
  if (fatal) throw new Error("setup: nats-server versions are missing (see above)");
  console.error("setup: the runs that need those servers will report them missing");
}

try {
  if (onlyServers) {
    reportServerProblems(await buildServers(onlyServers.length ? onlyServers : [NEWEST]), true);
    process.exit(0);
  }
  const apt = [];
  if (pretendMissing.has("nats-server") || !onPath("nats-server")) apt.push("nats-server");
  if (wantTest && (pretendMissing.has("chromium") || !existsSync("/usr/bin/chromium"))) apt.push("chromium");
  if (wantTest) apt.push(...enginePackages());
  if (wantTest) {
    if (pretendMissing.has("go") || !onPath("go")) apt.push("golang-go");
    if (pretendMissing.has("go") || !existsSync("/usr/share/gocode/src/github.com/nats-io/nats.go/object.go")) {
      apt.push("golang-github-nats-io-go-nats-dev");
    }
  }
  if (apt.length) aptInstall(apt);

  reportServerProblems(await buildServers(wantTest ? MATRIX.map((v) => v.version) : [NEWEST]), inCI);
  if (wantTest && !dryRun) {
    // a peer whose toolchain is missing is a skipped test locally, a failure in CI
    const peerProblems = await buildPeers({ log: (line) => console.log(`setup: ${line}`) });
    for (const p of peerProblems) console.error(`setup: ${inCI ? "error" : "warning"}: ${p}`);
    if (peerProblems.length && inCI) throw new Error("setup: interop peers are missing (see above)");
  }

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
