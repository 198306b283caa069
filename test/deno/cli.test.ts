/**
 * The natsobj CLI under Deno (`deno run -A src/cli/main.ts`: ws:// on Deno's own WebSocket, nats:// over
 * TCP with @nats-io/transport-node through Deno's npm compatibility) as a real process against a real
 * nats-server: put from a file and from a pipe, get to a file and to stdout, ls, info, rm, link, status,
 * seal, add, del, --json, exit codes (not found, connection failure, integrity, usage), and credentials
 * never printed, over ws:// and nats:// and from a nats CLI context (against a nats-server with auth
 * started here).
 *
 * Run: NATS_WS_URL=ws://127.0.0.1:PORT NATS_URL=nats://127.0.0.1:PORT deno test -A --no-check test/deno/
 * (test/run-all.ts does)
 */
import { connect } from "nats.ws";
import { chunkSubject } from "../../src/index.js";
import * as assert from "../harness/assert.js";
import { testBytes } from "../harness/fixtures.js";

interface ChildProcess {
  pid: number;
  stdin: WritableStream<Uint8Array>;
  output(): Promise<{ code: number; stdout: Uint8Array; stderr: Uint8Array }>;
  status: Promise<{ code: number }>;
  kill(signal?: string): void;
}
declare const Deno: {
  execPath(): string;
  env: { get(name: string): string | undefined; toObject(): Record<string, string> };
  test(def: { name: string; fn: () => Promise<void> }): void;
  makeTempDir(opts?: { prefix?: string }): Promise<string>;
  mkdir(path: string, opts?: { recursive?: boolean }): Promise<void>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  writeTextFile(path: string, data: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  readDir(path: string): AsyncIterable<{ name: string }>;
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
  listen(opts: { hostname: string; port: number }): { addr: { port: number }; close(): void };
  connect(opts: { hostname: string; port: number }): Promise<{ close(): void }>;
  Command: new (cmd: string, opts: {
    args: string[]; cwd?: string; env?: Record<string, string>; clearEnv?: boolean;
    stdin?: "piped" | "null"; stdout?: "piped" | "null"; stderr?: "piped" | "null";
  }) => { spawn(): ChildProcess };
};

const url = Deno.env.get("NATS_WS_URL");
if (!url) throw new Error("NATS_WS_URL is not set: run the Deno tests through test/run-all.ts, or start a server");
/** The same server's TCP URL (nats://), from NATS_URL as test/run-all.ts sets it. */
const tcpUrl = Deno.env.get("NATS_URL") ?? "";
if (!tcpUrl.startsWith("nats://")) throw new Error("NATS_URL (nats://) is not set: run the Deno tests through test/run-all.ts");

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}src/cli/main.ts`;
const MiB = 1024 * 1024;
const text = new TextDecoder();

interface Result {
  code: number;
  stdout: Uint8Array;
  out: string;
  err: string;
}

/** Runs `deno run -A src/cli/main.ts ...args`. */
async function cli(args: string[], opts: { input?: Uint8Array | string; env?: Record<string, string>; cwd?: string } = {}): Promise<Result> {
  // no nats CLI context of this machine: an XDG_CONFIG_HOME without one, unless a test gives its own
  const env: Record<string, string> = {
    ...Deno.env.toObject(), NATS_URL: url!, DENO_NO_UPDATE_CHECK: "1", XDG_CONFIG_HOME: `${ROOT}.no-nats-config`, ...opts.env,
  };
  for (const k of ["NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS", "NATS_NKEY", "NATS_CONTEXT"]) if (!opts.env?.[k]) delete env[k];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: opts.cwd ?? ROOT,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  const input = typeof opts.input === "string" ? new TextEncoder().encode(opts.input) : opts.input;
  const feeding = (async () => {
    if (input) await w.write(input);
    await w.close();
  })().catch(() => undefined);
  const r = await child.output();
  await feeding;
  return { code: r.code, stdout: r.stdout, out: text.decode(r.stdout), err: text.decode(r.stderr) };
}

function ok(r: Result): void {
  assert.equal(r.code, 0, `exit code (stderr: ${r.err.trim()})`);
}

function name(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
}

async function ls(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

Deno.test({
  name: "[deno] cli > add, put (file and pipe), get (file and stdout), ls, info, link, rm, status, seal, del",
  async fn() {
    const b = name("dcli");
    const other = name("dcli2");
    const dir = await Deno.makeTempDir({ prefix: "deno-cli-" });
    try {
      ok(await cli(["add", b, "--description", "from deno", "--max-bytes", "64M"]));
      ok(await cli(["add", other]));
      const data = testBytes(3 * MiB + 5, 77);
      await Deno.writeFile(`${dir}/file.bin`, data);

      const put = await cli(["put", b, "file.bin", "--json"], { cwd: dir });
      ok(put);
      const info = JSON.parse(put.out);
      assert.deepEqual([info.name, info.size, info.chunks], ["file.bin", data.length, 25]);
      const piped = await cli(["put", b, "piped.bin", "-", "--json"], { input: data });
      ok(piped);
      assert.equal(JSON.parse(piped.out).digest, info.digest);

      ok(await cli(["get", b, "piped.bin", "-o", `${dir}/out.bin`]));
      assert.bytesEqual(await Deno.readFile(`${dir}/out.bin`), data);
      const stdout = await cli(["get", b, "file.bin", "-o", "-"]);
      ok(stdout);
      assert.bytesEqual(stdout.stdout, data);

      assert.deepEqual((JSON.parse((await cli(["ls", b, "--json"])).out) as Array<{ name: string }>).map((i) => i.name).sort(), ["file.bin", "piped.bin"]);
      assert.ok(/file\.bin\s+3\.0 MiB/.test((await cli(["ls", b])).out));
      const i = JSON.parse((await cli(["info", b, "file.bin", "--json"])).out);
      assert.equal(i.digest, info.digest);

      const l = await cli(["link", other, "alias", b, "file.bin", "--json"]);
      ok(l);
      assert.deepEqual(JSON.parse(l.out).options.link, { bucket: b, name: "file.bin" });
      assert.bytesEqual((await cli(["get", other, "alias", "-o", "-"])).stdout, data);

      ok(await cli(["rm", b, "piped.bin"]));
      assert.equal((await cli(["info", b, "piped.bin"])).code, 3);

      const st = JSON.parse((await cli(["status", b, "--json"])).out);
      assert.deepEqual([st.bucket, st.description, st.maxBytes, st.sealed], [b, "from deno", 64 * MiB, false]);
      assert.ok((JSON.parse((await cli(["ls", "--json"])).out) as Array<{ bucket: string }>).some((s) => s.bucket === b));
      ok(await cli(["seal", b]));
      assert.equal((await cli(["put", b, "late", "-"], { input: "x" })).code, 7);
      assert.equal(JSON.parse((await cli(["status", b, "--json"])).out).sealed, true);

      ok(await cli(["del", b]));
      ok(await cli(["del", other]));
      assert.equal((await cli(["status", b])).code, 3);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "[deno] cli > nats:// over TCP (the node transport under Deno's npm compatibility): add, put, get, ls, del; a closed port is exit 5",
  async fn() {
    const b = name("dtcp");
    const data = testBytes(MiB + 3, 12);
    const env = { NATS_URL: tcpUrl };
    ok(await cli(["add", b], { env }));
    const put = await cli(["put", b, "tcp.bin", "-", "--json"], { input: data, env });
    ok(put);
    assert.equal(JSON.parse(put.out).size, data.length);
    const got = await cli(["get", b, "tcp.bin", "-o", "-"], { env });
    ok(got);
    assert.bytesEqual(got.stdout, data);
    assert.deepEqual((JSON.parse((await cli(["ls", b, "--json"], { env })).out) as Array<{ name: string }>).map((i) => i.name), ["tcp.bin"]);
    ok(await cli(["del", b, "--server", tcpUrl]));
    const down = await cli(["ls", "--json"], { env: { NATS_URL: `nats://127.0.0.1:${freePort()}` } });
    assert.equal(down.code, 5, down.err);
    assert.equal(JSON.parse(down.err).error.code, "CONNECTION_FAILED");
  },
});

Deno.test({
  name: "[deno] cli > exit codes: usage 2, not found 3, integrity 4, connection failure 5",
  async fn() {
    const b = name("dcodes");
    const dir = await Deno.makeTempDir({ prefix: "deno-cli-" });
    try {
      assert.equal((await cli([])).code, 2);
      assert.equal((await cli(["put", b, "-"])).code, 2);
      assert.equal((await cli(["ls", "--server", "http://127.0.0.1:4222"])).code, 2);

      const missing = await cli(["get", name("nope"), "x", "--json"]);
      assert.equal(missing.code, 3);
      assert.equal(JSON.parse(missing.err).error.code, "BUCKET_NOT_FOUND");
      ok(await cli(["add", b]));
      assert.equal((await cli(["get", b, "x", "-o", "-"])).code, 3);
      assert.equal((await cli(["put", b, `${dir}/no-such-file`])).code, 3);

      // corrupt every chunk of an object: get is an integrity error and leaves no file
      const put = JSON.parse((await cli(["put", b, "obj", "-", "--json"], { input: testBytes(MiB, 3) })).out);
      const nc = await connect({ servers: url });
      try {
        const subject = chunkSubject(b, put.nuid);
        await nc.request(`$JS.API.STREAM.PURGE.OBJ_${b}`, new TextEncoder().encode(JSON.stringify({ filter: subject })));
        for (let i = 0; i < 8; i++) await nc.request(subject, testBytes(128 * 1024, 50 + i));
      } finally {
        await nc.close();
      }
      const bad = await cli(["get", b, "obj", "-o", `${dir}/obj`]);
      assert.equal(bad.code, 4, bad.err);
      assert.deepEqual(await ls(dir), []);

      const t0 = Date.now();
      const down = await cli(["ls", "--json", "--server", `ws://127.0.0.1:${freePort()}`]);
      assert.equal(down.code, 5);
      assert.equal(JSON.parse(down.err).error.code, "CONNECTION_FAILED");
      assert.ok(Date.now() - t0 < 10_000, "a refused connection fails fast");
      ok(await cli(["del", b]));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "[deno] cli > credentials from options, env or URL never appear in the output",
  async fn() {
    const secret = "deno-Qv93-hush";
    const dir = await Deno.makeTempDir({ prefix: "deno-auth-" });
    const port = freePort();
    const wsPort = freePort();
    await Deno.writeTextFile(`${dir}/auth.conf`, [
      `listen: 127.0.0.1:${port}`,
      `jetstream { store_dir: "${dir}/store" }`,
      `websocket { listen: "127.0.0.1:${wsPort}", no_tls: true }`,
      `authorization { user: bob, password: "${secret}" }`,
    ].join("\n"));
    const server = new Deno.Command(Deno.env.get("NATS_SERVER_BIN") ?? "nats-server", {
      args: ["-c", `${dir}/auth.conf`],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      for (let i = 0; ; i++) {
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port: wsPort })).close();
          break;
        } catch (err) {
          if (i > 200) throw err;
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      const server = `ws://127.0.0.1:${wsPort}`;
      const runs: Result[] = [];
      const run = async (args: string[], env: Record<string, string> = {}) => {
        const r = await cli(args, { env: { NATS_URL: server, ...env } });
        runs.push(r);
        return r;
      };
      assert.equal((await run(["ls"])).code, 6);
      assert.equal((await run(["ls", "--user", "bob", "--password", `${secret}!`])).code, 6);
      assert.equal((await run(["ls", "--json"], { NATS_USER: "bob", NATS_PASSWORD: `${secret}!` })).code, 6);
      assert.equal((await run(["ls", "--server", `ws://bob:${secret}!@127.0.0.1:${wsPort}`])).code, 6);
      // over nats:// too: a wrong password is exit 6; a nats CLI context (selected) or the URL's user:password connect
      const tcp = `nats://127.0.0.1:${port}`;
      assert.equal((await run(["ls", "--json", "--server", tcp, "--user", "bob", "--password", `${secret}!`])).code, 6);
      assert.equal(JSON.parse(runs.at(-1)!.err).error.code, "PERMISSION_DENIED");
      await Deno.mkdir(`${dir}/config/nats/context`, { recursive: true });
      await Deno.writeTextFile(`${dir}/config/nats/context/auth.json`, JSON.stringify({ url: tcp, user: "bob", password: secret }));
      await Deno.writeTextFile(`${dir}/config/nats/context.txt`, "auth\n");
      const viaContext = { NATS_URL: "", XDG_CONFIG_HOME: `${dir}/config` };
      ok(await run(["add", "tcpsec", "--json"], viaContext));
      ok(await run(["put", "tcpsec", "x", "-"], viaContext));
      ok(await run(["del", "tcpsec", "--server", `nats://bob:${secret}@127.0.0.1:${port}`]));
      ok(await run(["add", "sec", "--user", "bob"], { NATS_PASSWORD: secret }));
      ok(await run(["put", "sec", "x", "-", "--json", "--server", `ws://bob:${secret}@127.0.0.1:${wsPort}`]));
      ok(await run(["status", "sec", "--user", "bob", "--password", secret]));
      for (const r of runs) {
        assert.ok(!(r.out + r.err).includes("Qv93"), `secret printed: ${r.out}${r.err}`);
      }
    } finally {
      server.kill("SIGTERM");
      await server.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
