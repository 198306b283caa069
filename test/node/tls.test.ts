/**
 * TLS: `wss://` against a nats-server whose WebSocket listener uses a certificate made for this test
 * (openssl: a throw-away CA and a server certificate for 127.0.0.1/localhost, in a temp dir that is
 * removed afterwards). The same round trip (test/node/tls-roundtrip.ts: put a string and a
 * multi-chunk object, get both back, list) runs in
 *
 * - Node: a child `node --experimental-websocket` with NODE_EXTRA_CA_CERTS=ca.pem (Node's built-in
 *   WebSocket reads extra CAs only at process start, so the trusting client is a child process);
 * - Deno: `deno run --cert ca.pem`;
 * - Chromium: playwright-core with the server certificate's SPKI pinned
 *   (`--ignore-certificate-errors-spki-list`), the round trip bundled with esbuild and served from
 *   http://127.0.0.1 (from about:blank, Local Network Access checks would block the loopback socket).
 *
 * Each runtime also refuses the same server when it is not told to trust it. No check is relaxed
 * anywhere else: the pin covers only this certificate's key.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "nats.ws";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import type { RoundTripResult } from "./tls-roundtrip.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH as CHROMIUM } from "../harness/chromium.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ROUND_TRIP = fileURLToPath(new URL("./tls-roundtrip.ts", import.meta.url));
const DENO = join(REPO_ROOT, "node_modules", ".bin", "deno");

let dir = "";
let caFile = "";
let certFile = "";
let keyFile = "";
let server: NatsServer;

// ---- certificates ------------------------------------------------------------------------------

function openssl(args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8", timeout: 20_000 });
  if (r.error) throw new Error(`cannot run openssl: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed (${r.status}):\n${r.stderr}`);
}

/** A throw-away CA and a server certificate for 127.0.0.1 and localhost, signed by it (EC P-256). */
function makeCertificates(): void {
  writeFileSync(
    join(dir, "ca.ext"),
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
  );
  writeFileSync(
    join(dir, "server.ext"),
    [
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "authorityKeyIdentifier=keyid",
      "",
    ].join("\n"),
  );
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(["req", "-new", ...ec, "-keyout", "ca.key", "-out", "ca.csr", "-subj", "/CN=nats-objectstore-web test CA"]);
  openssl(["x509", "-req", "-in", "ca.csr", "-signkey", "ca.key", "-out", "ca.pem", "-days", "2", "-extfile", "ca.ext"]);
  openssl(["req", "-new", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  openssl([
    "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
    "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
  ]);
  caFile = join(dir, "ca.pem");
  certFile = join(dir, "server.pem");
  keyFile = join(dir, "server.key");
}

/** base64(sha256(SubjectPublicKeyInfo)) of a PEM certificate: Chromium's SPKI pin format. */
function spkiPin(pemFile: string): string {
  const spki = new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

// ---- child processes ---------------------------------------------------------------------------

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a child to completion (killed by pid after `timeoutMs`). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      if (child.pid && child.exitCode === null) process.kill(child.pid, "SIGKILL");
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment for a child, without anything that would make it trust (or distrust) by accident. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  if (!("NODE_EXTRA_CA_CERTS" in extra)) delete env.NODE_EXTRA_CA_CERTS;
  delete env.DENO_CERT;
  delete env.DENO_TLS_CA_STORE;
  return env;
}

type Outcome = RoundTripResult | { error: string; code?: string };

/** The JSON line tls-roundtrip.ts printed last. */
function outcomeOf(r: ChildRun, what: string): Outcome {
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as Outcome;
  } catch {
    throw new Error(`${what}: no result (exit ${r.code})\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`);
  }
}

function assertRoundTrip(o: Outcome, bucket: string): void {
  assert.ok(!("error" in o), `round trip failed: ${"error" in o ? o.error : ""}`);
  const r = o as RoundTripResult;
  assert.equal(r.text, `hello over TLS from ${bucket}`);
  assert.equal(r.bytes, 300 * 1024);
  assert.equal(r.bytesEqual, true, "the 300 KiB object came back different");
  assert.deepEqual(r.listed, ["blob.bin", "hello.txt"]);
}

function assertRefused(o: Outcome, pattern: RegExp): void {
  assert.ok("error" in o, `expected the untrusted certificate to be refused, got ${JSON.stringify(o)}`);
  assert.match(o.error, pattern);
}

// ---- Chromium ----------------------------------------------------------------------------------

/** The round trip bundled for the browser: `globalThis.__tlsRoundTrip(url, bucket)`. */
async function bundleForBrowser(): Promise<string> {
  const { build } = await import("esbuild");
  const out = await build({
    stdin: {
      contents: `import { roundTrip } from ${JSON.stringify(ROUND_TRIP)};\nglobalThis.__tlsRoundTrip = roundTrip;\n`,
      resolveDir: REPO_ROOT,
      loader: "ts",
      sourcefile: "tls-entry.ts",
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
    absWorkingDir: REPO_ROOT,
    // nats.ws's bundled tweetnacl has a guarded require("crypto") never reached in a browser.
    external: ["crypto"],
  });
  return out.outputFiles[0]!.text;
}

/**
 * Serves the page and the bundle from http://127.0.0.1 (a loopback page may open loopback sockets;
 * from about:blank Chromium's Local Network Access checks block them).
 */
function servePage(script: string): Promise<{ server: Server; origin: string }> {
  const html = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="tls.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === "/tls.js") res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(script);
    else if (req.url === "/" || req.url === "/index.html") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    });
  });
}

interface BrowserOutcome {
  outcome: Outcome;
  /** The page's console errors (Chromium logs the network error code there, e.g. net::ERR_CERT_AUTHORITY_INVALID). */
  console: string[];
}

/** Launches Chromium (extra args appended), runs the bundled round trip in a page, returns its outcome. */
async function inChromium(origin: string, url: string, bucket: string, extraArgs: string[]): Promise<BrowserOutcome> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 30_000,
  });
  const consoleErrors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(`page error: ${e.message}`));
    await page.goto(`${origin}/index.html`, { timeout: 15_000 });
    await page.waitForFunction(() => "__tlsRoundTrip" in globalThis, undefined, { timeout: 10_000 });
    const outcome = await page.evaluate(
      async ([url, bucket]) => {
        const rt = (globalThis as unknown as { __tlsRoundTrip: (u: string, b: string) => Promise<unknown> }).__tlsRoundTrip;
        try {
          return await rt(url, bucket);
        } catch (e) {
          const err = e as Error & { code?: string };
          return { error: `${err.name}: ${err.message}`, code: err.code };
        }
      },
      [url, bucket] as const,
    ) as Outcome;
    return { outcome, console: consoleErrors };
  } finally {
    await browser.close().catch(() => undefined);
  }
}

// ---- tests -------------------------------------------------------------------------------------

describe("TLS (wss://) with a test CA", () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "nats-tls-"));
    makeCertificates();
    server = await startNatsServer({ websocketTls: { certFile, keyFile } });
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the server presents the test certificate: valid for 127.0.0.1 under the test CA", async () => {
    assert.match(server.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(caFile);
    const peer = await new Promise<{ authorized: boolean; error?: Error | undefined; san: string | undefined }>((resolve, reject) => {
      const sock = tlsConnect({ host: "127.0.0.1", port: server.wsPort, ca }, () => {
        const cert = sock.getPeerCertificate();
        resolve({ authorized: sock.authorized, error: sock.authorizationError, san: cert.subjectaltname });
        sock.end();
      });
      sock.once("error", reject);
    });
    assert.equal(peer.authorized, true, `not authorized: ${peer.error}`);
    assert.match(peer.san ?? "", /IP Address:127\.0\.0\.1/);
  });

  test("node: put/get over wss:// trusting the test CA (NODE_EXTRA_CA_CERTS)", { timeout: 30_000 }, async () => {
    const bucket = "tls_node";
    const r = await run(
      process.execPath,
      ["--experimental-websocket", "--import", "tsx", ROUND_TRIP, server.url, bucket],
      childEnv({ NODE_EXTRA_CA_CERTS: caFile }),
    );
    assertRoundTrip(outcomeOf(r, "node"), bucket);
    assert.equal(r.code, 0);
  });

  test("node: a certificate from an unknown CA is refused", { timeout: 15_000 }, async () => {
    // This process was not started with the test CA, so its WebSocket must not accept the server.
    const logFile = join(server.dir, "nats-server.log");
    const handshakeErrors = () => (readFileSync(logFile, "utf8").match(/TLS handshake error/g) ?? []).length;
    const before = handshakeErrors();
    const err = await connect({ servers: server.url, reconnect: false, timeout: 5_000 }).then(
      async (nc) => {
        await nc.close();
        return undefined;
      },
      (e: unknown) => e as Error & { code?: string },
    );
    assert.ok(err, "connected to a server whose certificate is not trusted");
    // Node's WebSocket does not say why (nats.ws: "Received network error or non-101 status code.");
    // the server's log shows it was the TLS handshake that failed.
    assert.match(err.message, /network error|non-101|certificate|tls/i);
    for (let i = 0; i < 40 && handshakeErrors() === before; i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(handshakeErrors() > before, "nats-server logged no TLS handshake error");
  });

  test("deno: put/get over wss:// with --cert ca.pem", { timeout: 40_000 }, async () => {
    assert.ok(existsSync(DENO), `deno not found at ${DENO}`);
    const bucket = "tls_deno";
    const r = await run(DENO, ["run", "-A", "--no-check", "--cert", caFile, ROUND_TRIP, server.url, bucket], childEnv());
    assertRoundTrip(outcomeOf(r, "deno"), bucket);
    assert.equal(r.code, 0);
  });

  test("deno: without --cert the certificate is refused", { timeout: 40_000 }, async () => {
    assert.ok(existsSync(DENO), `deno not found at ${DENO}`);
    const r = await run(DENO, ["run", "-A", "--no-check", ROUND_TRIP, server.url, "tls_deno_untrusted"], childEnv());
    assertRefused(outcomeOf(r, "deno"), /UnknownIssuer|certificate/i);
    assert.notEqual(r.code, 0);
  });

  describe("chromium", () => {
    let page: { server: Server; origin: string } | undefined;
    before(async () => {
      page = await servePage(await bundleForBrowser());
    });
    after(async () => {
      page?.server.closeAllConnections();
      await new Promise<void>((r) => (page ? page.server.close(() => r()) : r()));
    });

    test("put/get over wss:// with the server certificate's SPKI pinned", { timeout: 45_000 }, async () => {
      const bucket = "tls_chromium";
      const pin = spkiPin(certFile);
      const r = await inChromium(page!.origin, server.url, bucket, [`--ignore-certificate-errors-spki-list=${pin}`]);
      assert.ok(!("error" in r.outcome), `round trip failed: ${JSON.stringify(r)}`);
      assertRoundTrip(r.outcome, bucket);
    });

    test("without the pin the certificate is refused", { timeout: 45_000 }, async () => {
      // A pin for some other key does not help either.
      const other = createHash("sha256").update("not the server key").digest("base64");
      const r = await inChromium(page!.origin, server.url, "tls_chromium_untrusted", [
        `--ignore-certificate-errors-spki-list=${other}`,
      ]);
      // The page only sees an opaque WebSocket error event; Chromium logs the reason.
      assert.ok("error" in r.outcome, `expected the certificate to be refused, got ${JSON.stringify(r.outcome)}`);
      assert.ok(
        r.console.some((line) => /ERR_CERT_AUTHORITY_INVALID/.test(line)),
        `no certificate error logged: ${JSON.stringify(r)}`,
      );
    });
  });
});
