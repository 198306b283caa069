/**
 * The published artefact, tested as a user meets it (issue #16): `npm pack` (its `prepack` builds
 * dist/), then the tarball checked and installed into a fresh consumer project in a temp dir.
 *
 *   tarball    holds LICENSE, README, the bin, the compiled CLI and the types and code of every entry of
 *              `exports`; holds no tests, benchmarks, demo or scripts; package.json declares sideEffects
 *   publint    `publint --strict` on the tarball
 *   attw       `@arethetypeswrong/cli --profile esm-only` on the tarball (every entry point)
 *   consumer   npm install of the tarball (+ the clients a user brings) with --prefer-offline
 *   scripts    `npm install-scripts ls`: no install script left undecided in the repository (allowScripts)
 *              and none at all in the consumer (installing the package runs no install script)
 *   node       a Node ESM script: put and get over the v3 TCP client (NATS_URL)
 *   cli        `npx natsobj --help`, then `natsobj put` over ws:// and `natsobj get` over nats://
 *   deno       a Deno script with npm: imports resolved from the consumer's node_modules (put/get over
 *              nats.ws), and the installed bin under Deno (a get)
 *   types      `tsc --noEmit` (strict, checkJs) of the consumer's browser code against the installed types
 *   browser    a page over wsconnect() and one over nats.ws, each bundled by esbuild and built as a Vite
 *              app (the consumer's index pages vite-*.html), all four run in Chromium
 *   sw         an esbuild bundle of a Service Worker using `nats-objectstore-web/service-worker`
 *   size       minified+gzipped page bundles against test/package/size-budget.json (size.ts)
 *   jsr        jsr.json agrees with package.json (version, entry points); `deno publish --dry-run` on it
 *              (type check, no slow types; needs no registry)
 *
 * The consumer's files are test/package/consumer/. Servers: env NATS_WS_URL and NATS_URL (set by
 * test/run-all.ts, row "package"), else a nats-server started here. Prints one line per check and, last,
 * `package: N passed, N failed`; exits non-zero when a check failed.
 *
 * Usage: node --import tsx test/package/main.ts [--keep]   (--keep: leave the temp dir and print it)
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { CHROMIUM_PATH, chromiumArgs } from "../harness/chromium.js";
import { serveDir } from "../harness/static-server.js";
import { bundlePage, checkSizes, ESBUILD_EXTERNAL } from "./size.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CONSUMER_SRC = fileURLToPath(new URL("./consumer/", import.meta.url));
const BIN = (name: string) => join(ROOT, "node_modules", ".bin", name);
const keep = process.argv.includes("--keep");

// ---- processes ---------------------------------------------------------------------------------

interface Ran {
  /** Standard output alone. */
  stdout: string;
  /** Standard output and error, as they came. */
  out: string;
}

/** Runs a command to its end (time limit `timeoutMs`); rejects, with its output, unless it exits 0. */
function exec(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, out });
      else reject(new Error(`${[cmd, ...args].join(" ")}: exit ${signal ?? code}\n${out.trimEnd().split("\n").slice(-25).join("\n")}`));
    });
  });
}

// ---- checks ------------------------------------------------------------------------------------

let passed = 0;
let failed = 0;

/** Runs one named check; a throw is its failure (printed), never the runner's. Resolves with its value. */
async function check<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  const t0 = Date.now();
  try {
    const value = await fn();
    passed++;
    const note = typeof value === "string" && value ? `: ${value.split("\n").join("; ")}` : "";
    console.log(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)${note}`);
    return value;
  } catch (err) {
    failed++;
    console.log(`not ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)\n${String((err as Error).message ?? err).replace(/^/gm, "    ")}`);
    return undefined;
  }
}

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

interface PackageJson {
  name: string;
  version: string;
  sideEffects?: unknown;
  bin?: Record<string, string>;
  exports: Record<string, { types?: string; default?: string }>;
}

/** What must and must not be in the tarball (`files`: its paths, from `npm pack --json`). */
function checkContents(files: readonly string[], pkg: PackageJson): string {
  const has = new Set(files);
  const missing: string[] = [];
  const need = (p: string) => has.has(p.replace(/^\.\//, "")) || missing.push(p);
  for (const p of ["LICENSE", "README.md", "CHANGELOG.md", "package.json", "dist/cli/main.js"]) need(p);
  for (const p of Object.values(pkg.bin ?? {})) need(p);
  for (const [entry, target] of Object.entries(pkg.exports)) {
    assert(target.types && target.default, `exports["${entry}"] needs "types" and "default"`);
    need(target.types);
    need(target.default);
  }
  assert(missing.length === 0, `missing from the tarball: ${missing.join(", ")}`);
  const stray = files.filter((p) => /^(test|bench|demo|scripts|node_modules)\/|\.test\.[cm]?[jt]s$|(^|\/)tsconfig[^/]*\.json$/.test(p));
  assert(stray.length === 0, `in the tarball but not for users: ${stray.slice(0, 10).join(", ")}`);
  assert(pkg.sideEffects !== undefined, "package.json declares no sideEffects");
  return `${files.length} files`;
}

/** The version of a package the repository has installed, so the consumer installs it from the cache. */
function installed(name: string): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string };
  return `${name}@${pkg.version}`;
}

/** Opens built pages (paths under `dir`) in Chromium with ?ws= and returns their round trips' lines. */
async function runPages(dir: string, pages: readonly string[], wsUrl: string): Promise<string> {
  const { chromium } = await import("playwright-core");
  const site = await serveDir(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs() });
  try {
    const lines: string[] = [];
    for (const page of pages) {
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on("pageerror", (e) => errors.push(e.message));
      await tab.goto(`${site.origin}/${page}?ws=${encodeURIComponent(wsUrl)}`);
      await tab.waitForFunction(() => "__package" in globalThis, undefined, { timeout: 20_000 }).catch(() => {
        throw new Error(`${page}: the page did not start its round trip: ${errors.join("; ") || "no error"}`);
      });
      const r = await tab.evaluate(() => (globalThis as unknown as { __package: Promise<{ ok?: string; error?: string }> }).__package);
      assert(r.ok, `${page}: ${r.error ?? "no result"}`);
      lines.push(`${page}: ${r.ok}`);
      await tab.close();
    }
    return lines.join("\n");
  } finally {
    await browser.close();
    await site.close();
  }
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = Date.now();
  let server: NatsServer | undefined;
  let wsUrl = process.env.NATS_WS_URL;
  let natsUrl = process.env.NATS_URL;
  if (!wsUrl || !natsUrl) {
    server = await startNatsServer();
    wsUrl = server.url;
    natsUrl = server.natsUrl;
  }
  const tmp = mkdtempSync(join(tmpdir(), "package-check-"));
  const app = join(tmp, "app");
  const env = { ...process.env, NATS_WS_URL: wsUrl, NATS_URL: natsUrl, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" };
  try {
    // npm pack runs prepack (the build) first: the tarball is what `npm publish` would upload.
    const packed = await check("npm pack", async () => {
      const r = await exec("npm", ["pack", "--json", "--pack-destination", tmp], { cwd: ROOT, timeoutMs: 180_000 });
      const json = JSON.parse(r.stdout.slice(r.stdout.indexOf("[\n"))) as { filename: string; size: number; files: { path: string }[] }[];
      const info = json[0];
      assert(info, "npm pack printed no package");
      return { tarball: join(tmp, info.filename), files: info.files.map((f) => f.path), size: info.size };
    });
    if (!packed) return;
    const { tarball } = packed;
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;

    cpSync(CONSUMER_SRC, app, { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2));
    writeFileSync(join(app, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }, null, 2));
    const clients = ["nats.ws", "@nats-io/nats-core", "@nats-io/transport-node", "@nats-io/obj"].map(installed);

    const [, , , consumer] = await Promise.all([
      check("tarball contents", async () => `${checkContents(packed.files, pkg)}, ${(packed.size / 1024).toFixed(0)} KiB packed`),
      check("publint --strict", async () => void (await exec(BIN("publint"), [tarball, "--strict"], { cwd: ROOT }))),
      check("attw --profile esm-only", async () => void (await exec(BIN("attw"), [tarball, "--profile", "esm-only"], { cwd: ROOT }))),
      check("consumer: npm install of the tarball", async () => {
        await exec("npm", ["install", tarball, ...clients, "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app, timeoutMs: 120_000 });
        return true;
      }),
    ]);
    if (!consumer) return;

    const natsobj = ["--no-install", "natsobj"];
    const installedBin = join(app, "node_modules", ".bin", "natsobj");
    const lanes = [
      (async () => {
        await check("scripts: npm install-scripts ls (repository, consumer)", async () => {
          for (const cwd of [ROOT, app]) {
            const r = await exec("npm", ["install-scripts", "ls", "--json"], { cwd });
            const pending = (JSON.parse(r.stdout) as { allowScripts: { name: string }[] }).allowScripts;
            assert(pending.length === 0, `${cwd === ROOT ? "repository" : "consumer"}: install scripts not decided: ${pending.map((p) => p.name).join(", ")}`);
          }
        });
        await check("node: ESM script over @nats-io/transport-node", async () => (await exec(process.execPath, ["node-esm.mjs"], { cwd: app, env })).out.trim());
        await check("cli: npx natsobj --help", async () => {
          const r = await exec("npx", [...natsobj, "--help"], { cwd: app, env });
          assert(r.out.includes("Usage: natsobj"), `no usage in: ${r.out.slice(0, 200)}`);
        });
        await check("cli: natsobj put (ws://), get (nats://)", async () => {
          const bucket = `pkgcli_${Date.now().toString(36)}`;
          const data = Buffer.alloc(200_000, "natsobj ");
          writeFileSync(join(app, "in.bin"), data);
          const cli = (server: string, ...args: string[]) => exec(installedBin, ["-s", server, "-q", ...args], { cwd: app, env });
          await cli(wsUrl, "add", bucket);
          try {
            await cli(wsUrl, "put", bucket, "in.bin");
            await cli(natsUrl, "get", bucket, "in.bin", "-o", "out.bin");
            assert(readFileSync(join(app, "out.bin")).equals(data), "natsobj get returned other bytes");
            const deno = await exec(BIN("deno"), ["run", "-A", installedBin, "-s", wsUrl, "-q", "get", bucket, "in.bin", "-o", "-"], { cwd: app, env });
            assert(deno.stdout === data.toString(), "natsobj under Deno returned other bytes");
          } finally {
            await cli(wsUrl, "del", bucket).catch(() => undefined);
          }
          return "and a get with the installed bin under Deno";
        });
        await check("deno: npm: imports of the installed package", async () =>
          (await exec(BIN("deno"), ["run", "-A", "--no-check", "deno-consumer.ts"], { cwd: app, env })).out.trim());
      })(),
      (async () => {
        const out = join(app, "www");
        const pages = ["page-v3", "page-natsws"];
        await check("types: tsc --noEmit in the consumer", async () => void (await exec(BIN("tsc"), ["-p", "tsconfig.json"], { cwd: app })));
        const esbuilt = await check("browser: esbuild bundles of the pages", async () => {
          for (const page of pages) {
            await bundlePage(app, `${page}.ts`, join(out, `${page}.js`), false);
            writeFileSync(join(out, `${page}.html`), `<!doctype html><script type="module" src="./${page}.js"></script>\n`);
          }
          return true;
        });
        const vited = await check("browser: vite build of the consumer app", async () => {
          const { build } = await import("vite");
          const input = Object.fromEntries(pages.map((p) => [p, join(app, p.replace("page-", "vite-") + ".html")]));
          await build({ root: app, base: "./", configFile: false, logLevel: "error", build: { outDir: join(out, "vite"), rollupOptions: { input } } });
          return true;
        });
        const built = [...(esbuilt ? pages.map((p) => `${p}.html`) : []), ...(vited ? pages.map((p) => `vite/${p.replace("page-", "vite-")}.html`) : [])];
        if (built.length) await check("browser: put and get in Chromium", () => runPages(out, built, wsUrl));
        await check("sw: esbuild bundle of a Service Worker", async () => {
          const { build } = await import("esbuild");
          const r = await build({
            absWorkingDir: app, entryPoints: ["sw.ts"], outfile: join(out, "sw.js"), bundle: true, format: "esm",
            platform: "browser", external: ESBUILD_EXTERNAL, minify: true, logLevel: "silent",
          });
          assert(r.errors.length === 0 && existsSync(join(out, "sw.js")), "no sw.js");
        });
        await check("size: gzipped page bundles within test/package/size-budget.json", () => checkSizes(app));
      })(),
    ];
    lanes.push(check("jsr: deno publish --dry-run --config jsr.json", async () => {
      const jsr = JSON.parse(readFileSync(join(ROOT, "jsr.json"), "utf8")) as { version: string; exports: Record<string, string> };
      assert(jsr.version === pkg.version, `jsr.json version ${jsr.version} is not package.json's ${pkg.version}`);
      const keys = (o: object) => Object.keys(o).sort().join(" ");
      assert(keys(jsr.exports) === keys(pkg.exports), `jsr.json exports ${keys(jsr.exports)} are not package.json's ${keys(pkg.exports)}`);
      const r = await exec(BIN("deno"), ["publish", "--dry-run", "--allow-dirty", "--config", "jsr.json"], { cwd: ROOT, env, timeoutMs: 120_000 });
      assert(/Dry run complete/.test(r.out), `no "Dry run complete" in:\n${r.out.slice(-500)}`);
    }));
    await Promise.all(lanes);
  } finally {
    await server?.stop();
    if (keep) console.log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
    console.log(`package: ${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  }
}

main().then(
  () => (process.exitCode = failed > 0 ? 1 : 0),
  (err) => {
    console.error(err);
    console.log(`package: ${passed} passed, ${failed + 1} failed`);
    process.exitCode = 1;
  },
);
