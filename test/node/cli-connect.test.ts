/**
 * natsobj (bin/natsobj.mjs, a real process) connecting every way a NATS user does: `nats://` and `tls://`
 * over TCP beside `ws://`, `NATS_URL`, the `nats` CLI's contexts (selected, `--context`, `NATS_CONTEXT`,
 * `XDG_CONFIG_HOME` or `~/.config`), and each kind of authentication against a server configured for it:
 * user/password and nkey users, a token, JWT credentials (operator mode: an operator, account and user
 * made here with @nats-io/jwt), and TLS with client certificates (a CA made here with openssl). A wrong
 * password over nats:// is exit 6, a refused or untrusted connection exit 5, a bad file exit 2.
 *
 * Every server is started here (free loopback ports, a temp store) and stopped after.
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createUser as createUserNkey } from "@nats-io/nkeys";
import { testBytes } from "../harness/fixtures.js";
import { freePort, startNatsServer, type NatsServer } from "../harness/nats-server.js";

const BIN = join(fileURLToPath(new URL("../../", import.meta.url)), "bin", "natsobj.mjs");
const PASSWORD = "pw-Zq81-hush";
const TOKEN = "tok-Rm27-hush";
const CLEARED = ["NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS", "NATS_NKEY", "NATS_CONTEXT",
  "NATS_CA", "NATS_CERT", "NATS_KEY", "XDG_CONFIG_HOME", "NODE_EXTRA_CA_CERTS"];

let dir = "";
/** An empty config dir: the default XDG_CONFIG_HOME of every run, so that no context of this machine is read. */
let noConfig = "";
const servers: NatsServer[] = [];

interface Result {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs natsobj with `args`, the env cleared of NATS settings, then `env`; `input` on stdin. A connect
 * timeout of 30 s unless the test gives one: this 2-core machine may be loaded by other runs.
 */
function cli(args: string[], env: Record<string, string> = {}, input = ""): Promise<Result> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of CLEARED) delete childEnv[k];
  Object.assign(childEnv, { XDG_CONFIG_HOME: noConfig, ...env });
  const all = args.includes("--timeout") ? args : [...args, "--timeout", "30s"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...all], { cwd: dir, env: childEnv, stdio: "pipe" });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.stdin.on("error", () => undefined).end(input);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`natsobj ${args.join(" ")}: no exit after 90 s; stderr: ${err}`));
    }, 90_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

function expectExit(r: Result, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}; stderr: ${r.err}`);
  for (const secret of ["hush", "Zq81", "Rm27"]) assert.ok(!(r.out + r.err).includes(secret), `${what}: a secret was printed: ${r.err}`);
}

/** add, put from stdin, get to stdout (same bytes): the whole path over one way of connecting (the servers go after). */
async function roundTrip(what: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const b = `cc_${Math.random().toString(36).slice(2, 10)}`;
  const data = Buffer.from(testBytes(300 * 1024, 9)).toString("hex"); // hex: no secret can appear in it
  expectExit(await cli(["add", b, ...args], env), 0, `${what}: add`);
  expectExit(await cli(["put", b, "x.txt", "-", ...args], env, data), 0, `${what}: put`);
  const got = await cli(["get", b, "x.txt", "-o", "-", ...args], env);
  expectExit(got, 0, `${what}: get`);
  assert.equal(got.out, data, `${what}: get returned other bytes`);
}

/** `ls --json` succeeds: connected, authenticated, and JetStream answers. */
async function lists(what: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const r = await cli(["ls", "--json", ...args], env);
  expectExit(r, 0, what);
  assert.ok(Array.isArray(JSON.parse(r.out)), `${what}: ${r.out}`);
}

/** Exit 6 with PERMISSION_DENIED in the --json error. */
async function denied(what: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const r = await cli(["ls", "--json", ...args], env);
  expectExit(r, 6, what);
  assert.equal(JSON.parse(r.err).error.code, "PERMISSION_DENIED", what);
}

/** A config dir (for XDG_CONFIG_HOME) holding the given contexts, `selected` named in context.txt. */
async function contexts(defs: Record<string, Record<string, unknown>>, selected?: string): Promise<string> {
  const config = await mkdtemp(join(dir, "config-"));
  await mkdir(join(config, "nats", "context"), { recursive: true });
  for (const [name, fields] of Object.entries(defs)) {
    await writeFile(join(config, "nats", "context", `${name}.json`), JSON.stringify({ description: name, ...fields }, null, 2));
  }
  if (selected !== undefined) await writeFile(join(config, "nats", "context.txt"), `${selected}\n`);
  return config;
}

async function server(config: string, opts: { jetstreamConfig?: string } = {}): Promise<NatsServer> {
  const s = await startNatsServer({ config, ...opts });
  servers.push(s);
  return s;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-connect-"));
  noConfig = await mkdtemp(join(dir, "empty-config-"));
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

describe("[node] cli connect", { concurrency: 3 }, () => {
  describe("no auth: NATS_URL=nats://, contexts", () => {
    let s: NatsServer;
    before(async () => {
      s = await server("", { jetstreamConfig: "domain: hub" });
    });

    test("NATS_URL=nats://127.0.0.1:PORT: add, put, get, del over TCP", async () => {
      await roundTrip("nats://", [], { NATS_URL: s.natsUrl });
      const b = `cc_${Math.random().toString(36).slice(2, 10)}`;
      expectExit(await cli(["add", b], { NATS_URL: s.natsUrl }), 0, "add");
      expectExit(await cli(["del", b, "--server", s.natsUrl]), 0, "del");
      await lists("--server nats://", ["--server", s.natsUrl]);
    });

    test("a closed nats:// port is exit 5 at once; tls:// to a server without TLS is exit 5", async () => {
      const t0 = Date.now();
      const refused = await cli(["ls", "--json"], { NATS_URL: `nats://127.0.0.1:${await freePort()}` });
      expectExit(refused, 5, "closed port");
      assert.equal(JSON.parse(refused.err).error.code, "CONNECTION_FAILED");
      assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
      expectExit(await cli(["ls"], { NATS_URL: s.natsUrl.replace("nats://", "tls://") }), 5, "tls:// without TLS");
    });

    test("the selected context, --context, NATS_CONTEXT, --server over the context, ~/.config without XDG_CONFIG_HOME", async () => {
      const closed = `nats://127.0.0.1:${await freePort()}`;
      const config = await contexts({ good: { url: s.natsUrl }, down: { url: closed }, wsgood: { url: s.url } }, "good");
      const xdg = { XDG_CONFIG_HOME: config };
      await lists("selected context", [], xdg);
      expectExit(await cli(["ls", "--context", "down"], xdg), 5, "--context down");
      expectExit(await cli(["ls"], { ...xdg, NATS_CONTEXT: "down" }), 5, "NATS_CONTEXT=down");
      await lists("--context over NATS_CONTEXT", ["--context", "wsgood"], { ...xdg, NATS_CONTEXT: "down" });
      await lists("--server over the context's url", ["--context", "down", "--server", s.natsUrl], xdg);
      expectExit(await cli(["ls", "--context", "nope"], xdg), 2, "a missing context");
      expectExit(await cli(["ls", "--context", "../good"], xdg), 2, "a context name with a slash");
      // no XDG_CONFIG_HOME: ~/.config/nats
      const home = await mkdtemp(join(dir, "home-"));
      await cp(config, join(home, ".config"), { recursive: true });
      await lists("~/.config/nats", [], { XDG_CONFIG_HOME: "", HOME: home });
      expectExit(await cli(["ls"], { XDG_CONFIG_HOME: "", HOME: home, NATS_CONTEXT: "down" }), 5, "~/.config, NATS_CONTEXT=down");
    });

    test("a context's jetstream_domain is the JetStream API used", async () => {
      const config = await contexts({ hub: { url: s.natsUrl, jetstream_domain: "hub" }, other: { url: s.natsUrl, jetstream_domain: "elsewhere" } });
      await lists("domain hub", ["--context", "hub"], { XDG_CONFIG_HOME: config });
      const r = await cli(["ls", "--context", "other", "--timeout", "3s"], { XDG_CONFIG_HOME: config });
      assert.notEqual(r.code, 0, `a domain no server serves worked: ${r.out}`);
    });
  });

  describe("user/password and nkey users", () => {
    let s: NatsServer;
    let seedFile = "";
    let otherSeedFile = "";
    before(async () => {
      const kp = createUserNkey();
      seedFile = join(dir, "user.nk");
      await writeFile(seedFile, `${new TextDecoder().decode(kp.getSeed())}\n`);
      otherSeedFile = join(dir, "other.nk");
      await writeFile(otherSeedFile, new TextDecoder().decode(createUserNkey().getSeed()));
      s = await server(`authorization {
        users: [
          { user: alice, password: "${PASSWORD}" }
          { nkey: ${kp.getPublicKey()} }
        ]
      }`);
    });

    test("--user/--password over nats:// and ws://; NATS_URL with user:password@", async () => {
      await roundTrip("nats:// user/password", ["--server", s.natsUrl, "--user", "alice"], { NATS_PASSWORD: PASSWORD });
      await lists("ws:// user/password", ["--server", s.url, "--user", "alice", "--password", PASSWORD]);
      await lists("NATS_URL=nats://alice:pw@", [], { NATS_URL: s.natsUrl.replace("nats://", `nats://alice:${PASSWORD}@`) });
    });

    test("a wrong password over nats:// is exit 6 (PERMISSION_DENIED), never printing it", async () => {
      await denied("nats:// wrong password", ["--server", s.natsUrl, "--user", "alice", "--password", `${PASSWORD}x`]);
      expectExit(await cli(["ls", "--server", s.natsUrl, "--user", "alice"], { NATS_PASSWORD: "wrong-hush" }), 6, "nats:// wrong password, text");
      await denied("nats:// no credentials", [], { NATS_URL: s.natsUrl });
      await denied("ws:// wrong password", ["--server", s.url, "--user", "alice", "--password", `${PASSWORD}x`]);
    });

    test("--nkey FILE over nats:// and ws://; NATS_NKEY; an unknown nkey is exit 6; a file without a seed exit 2", async () => {
      await roundTrip("nats:// nkey", ["--server", s.natsUrl, "--nkey", seedFile]);
      await lists("ws:// nkey", ["--server", s.url], { NATS_NKEY: seedFile });
      await denied("unknown nkey", ["--server", s.natsUrl, "--nkey", otherSeedFile]);
      expectExit(await cli(["ls", "--server", s.natsUrl, "--nkey", BIN]), 2, "not a seed file");
      expectExit(await cli(["ls", "--server", s.natsUrl, "--nkey", join(dir, "missing.nk")]), 2, "no such nkey file");
      expectExit(await cli(["ls", "--server", s.natsUrl, "--nkey", seedFile, "--user", "alice"]), 2, "two ways to log in");
    });

    test("contexts with user/password (nats://, ws://) and nkey (a path, ~/, env://)", async () => {
      const home = await mkdtemp(join(dir, "home-"));
      await writeFile(join(home, "me.nk"), await readFile(seedFile));
      const config = await contexts({
        pw: { url: s.natsUrl, user: "alice", password: PASSWORD },
        pwws: { url: s.url, user: "alice", password: PASSWORD },
        nk: { url: s.natsUrl, nkey: seedFile },
        nkhome: { url: s.url, nkey: "~/me.nk" },
        nkenv: { url: s.natsUrl, nkey: "env://MY_SEED" },
        wrong: { url: s.natsUrl, user: "alice", password: "nope-hush" },
      }, "pw");
      const env = { XDG_CONFIG_HOME: config, HOME: home };
      await roundTrip("selected context, user/password over nats://", [], env);
      await lists("context pwws", ["--context", "pwws"], env);
      await lists("context nk", ["--context", "nk"], env);
      await lists("context nkhome", ["--context", "nkhome"], env);
      const seed = (await readFile(seedFile, "utf8")).trim();
      await lists("context nkenv", ["--context", "nkenv"], { ...env, MY_SEED: seed });
      await denied("context with a wrong password", ["--context", "wrong"], env);
      // credentials on the command line replace the context's
      await lists("--user over a context's wrong password", ["--context", "wrong", "--user", "alice", "--password", PASSWORD], env);
    });
  });

  describe("token", () => {
    let s: NatsServer;
    before(async () => {
      s = await server(`authorization { token: "${TOKEN}" }`);
    });

    test("--token and NATS_URL=nats://TOKEN@ over nats://, ws://; a context's token; a wrong token is exit 6", async () => {
      await roundTrip("nats:// token", ["--server", s.natsUrl], { NATS_TOKEN: TOKEN });
      await lists("ws:// token", ["--server", s.url, "--token", TOKEN]);
      await lists("nats://TOKEN@", [], { NATS_URL: s.natsUrl.replace("nats://", `nats://${TOKEN}@`) });
      const config = await contexts({ t: { url: s.natsUrl, token: TOKEN }, tws: { url: s.url, token: TOKEN } }, "t");
      await lists("context token over nats://", [], { XDG_CONFIG_HOME: config });
      await lists("context token over ws://", ["--context", "tws"], { XDG_CONFIG_HOME: config });
      await denied("wrong token", ["--server", s.natsUrl, "--token", "bad-hush"]);
    });
  });

  describe("JWT credentials (operator mode)", () => {
    let s: NatsServer;
    let credsFile = "";
    let strangerFile = "";
    before(async () => {
      const unlimited = {
        subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1,
        mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1,
      };
      const operator = createOperator();
      const sys = createAccount();
      const account = createAccount();
      const sysJwt = await encodeAccount("SYS", sys, { limits: { ...unlimited, mem_storage: 0, disk_storage: 0 } }, { signer: operator });
      const accountJwt = await encodeAccount("A", account, { limits: unlimited }, { signer: operator });
      const operatorJwt = await encodeOperator("O", operator, { system_account: sys.getPublicKey() });
      const user = createUser();
      credsFile = join(dir, "user.creds");
      await writeFile(credsFile, fmtCreds(await encodeUser("u", user, account), user));
      // a user of an account this server does not know
      const stranger = createUser();
      strangerFile = join(dir, "stranger.creds");
      await writeFile(strangerFile, fmtCreds(await encodeUser("x", stranger, createAccount()), stranger));
      s = await server(`
        operator: ${operatorJwt}
        system_account: ${sys.getPublicKey()}
        resolver: MEMORY
        resolver_preload: {
          ${sys.getPublicKey()}: ${sysJwt}
          ${account.getPublicKey()}: ${accountJwt}
        }`);
    });

    test("--creds FILE over nats:// and ws://; NATS_CREDS; a context's creds (~/, data:)", async () => {
      await roundTrip("nats:// creds", ["--server", s.natsUrl, "--creds", credsFile]);
      await roundTrip("ws:// creds", ["--server", s.url], { NATS_CREDS: credsFile });
      const home = await mkdtemp(join(dir, "home-"));
      const bytes = await readFile(credsFile);
      await writeFile(join(home, "u.creds"), bytes);
      const config = await contexts({
        c: { url: s.natsUrl, creds: "~/u.creds" },
        d: { url: s.url, creds: `data:;base64,${bytes.toString("base64")}` },
      }, "c");
      await lists("context creds over nats://", [], { XDG_CONFIG_HOME: config, HOME: home });
      await lists("context creds as data: over ws://", ["--context", "d"], { XDG_CONFIG_HOME: config, HOME: home });
    });

    test("creds of an unknown account are exit 6; a file that is not creds is exit 2", async () => {
      await denied("unknown account over nats://", ["--server", s.natsUrl, "--creds", strangerFile]);
      await denied("unknown account over ws://", ["--server", s.url, "--creds", strangerFile]);
      expectExit(await cli(["ls", "--server", s.natsUrl, "--creds", BIN]), 2, "not a creds file");
      await denied("no creds", [], { NATS_URL: s.natsUrl });
    });
  });

  describe("TLS with client certificates", () => {
    let s: NatsServer;
    const pki = { ca: "", cert: "", key: "", otherCa: "" };
    before(async () => {
      const certs = await mkdtemp(join(dir, "pki-"));
      Object.assign(pki, makeCertificates(certs));
      s = await server(`tls {
        cert_file: ${JSON.stringify(join(certs, "server.pem"))}
        key_file: ${JSON.stringify(join(certs, "server.key"))}
        ca_file: ${JSON.stringify(pki.ca)}
        verify: true
      }`);
    });

    test("a context's tls:// URL, ca, cert and key; the same as --tlsca/--tlscert/--tlskey with nats://", async () => {
      const tlsUrl = s.natsUrl.replace("nats://", "tls://");
      const config = await contexts({ t: { url: tlsUrl, ca: pki.ca, cert: pki.cert, key: pki.key } }, "t");
      await roundTrip("context tls://", [], { XDG_CONFIG_HOME: config });
      await lists("flags, nats://", ["--server", s.natsUrl, "--tlsca", pki.ca, "--tlscert", pki.cert, "--tlskey", pki.key]);
      await lists("env NATS_CA, NATS_CERT, NATS_KEY", [], { NATS_URL: tlsUrl, NATS_CA: pki.ca, NATS_CERT: pki.cert, NATS_KEY: pki.key });
    });

    test("an untrusted server, a missing client certificate, a missing file, TLS files with ws://", async () => {
      const tlsUrl = s.natsUrl.replace("nats://", "tls://");
      const untrusted = await cli(["ls", "--json", "--server", tlsUrl, "--tlsca", pki.otherCa, "--tlscert", pki.cert, "--tlskey", pki.key]);
      expectExit(untrusted, 5, "a server certificate from another CA");
      assert.equal(JSON.parse(untrusted.err).error.code, "CONNECTION_FAILED");
      expectExit(await cli(["ls", "--server", tlsUrl, "--tlsca", pki.ca]), 5, "no client certificate");
      expectExit(await cli(["ls", "--server", tlsUrl, "--tlsca", join(dir, "none.pem")]), 2, "no such CA file");
      expectExit(await cli(["ls", "--server", tlsUrl, "--tlsca", pki.ca, "--tlscert", pki.cert]), 2, "a certificate without its key");
      expectExit(await cli(["ls", "--server", s.url, "--tlsca", pki.ca]), 2, "--tlsca with ws://");
    });
  });
});

function openssl(cwd: string, args: string[]): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8", timeout: 20_000 });
  if (r.error) throw new Error(`cannot run openssl: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate signed by it, and a second CA (EC P-256). */
function makeCertificates(certs: string): { ca: string; cert: string; key: string; otherCa: string } {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ext = (name: string, lines: string[]) => writeFileSync(join(certs, name), `${lines.join("\n")}\n`);
  ext("ca.ext", ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"]);
  ext("server.ext", ["subjectAltName=IP:127.0.0.1,DNS:localhost", "basicConstraints=critical,CA:FALSE", "extendedKeyUsage=serverAuth"]);
  ext("client.ext", ["basicConstraints=critical,CA:FALSE", "extendedKeyUsage=clientAuth"]);
  for (const ca of ["ca", "other-ca"]) {
    openssl(certs, ["req", "-new", ...ec, "-keyout", `${ca}.key`, "-out", `${ca}.csr`, "-subj", `/CN=natsobj test ${ca}`]);
    openssl(certs, ["x509", "-req", "-in", `${ca}.csr`, "-signkey", `${ca}.key`, "-out", `${ca}.pem`, "-days", "2", "-extfile", "ca.ext"]);
  }
  for (const who of ["server", "client"]) {
    openssl(certs, ["req", "-new", ...ec, "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=${who === "server" ? "127.0.0.1" : "natsobj"}`]);
    openssl(certs, ["x509", "-req", "-in", `${who}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
      "-out", `${who}.pem`, "-days", "2", "-extfile", `${who}.ext`]);
  }
  return { ca: join(certs, "ca.pem"), cert: join(certs, "client.pem"), key: join(certs, "client.key"), otherCa: join(certs, "other-ca.pem") };
}
