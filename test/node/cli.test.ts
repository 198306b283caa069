/**
 * The natsobj CLI as a real process (bin/natsobj.mjs under Node, which re-executes itself with
 * --experimental-websocket on Node 20) against a real nats-server: every command, files and pipes,
 * --json, the progress bar, exit codes, interrupts, broken pipes, and credentials never printed.
 *
 * Server: env NATS_WS_URL (test/run-all.ts), else a nats-server started here.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { connect } from "nats.ws";
import { chunkSubject, objectStoreManager } from "../../src/index.js";
import { testBytes } from "../harness/fixtures.js";
import { freePort, startNatsServer, type NatsServer } from "../harness/nats-server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "natsobj.mjs");
const MiB = 1024 * 1024;

let server: NatsServer | undefined;
let url = process.env.NATS_WS_URL ?? "";
let dir: string;
const made: string[] = [];

before(async () => {
  if (!url) {
    server = await startNatsServer();
    url = server.url;
  }
  dir = await mkdtemp(join(tmpdir(), "cli-test-"));
});

after(async () => {
  if (made.length) {
    const nc = await connect({ servers: url });
    const m = objectStoreManager(nc);
    for (const b of made) await m.deleteObjectStore(b).catch(() => undefined);
    await nc.close();
  }
  await rm(dir, { recursive: true, force: true });
  await server?.stop();
});

interface Result {
  code: number | null;
  stdout: Buffer;
  out: string;
  err: string;
}

interface RunOptions {
  input?: string | Uint8Array;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Called with the child once started (to signal it, or to feed stdin slowly). */
  onStart?: (child: ReturnType<typeof spawn>) => void;
  timeoutMs?: number;
}

/** Runs the CLI; resolves with its exit code and output. */
function cli(args: string[], opts: RunOptions = {}): Promise<Result> {
  const env: Record<string, string | undefined> = { ...process.env, NATS_URL: url, NATS_USER: undefined, NATS_PASSWORD: undefined, NATS_TOKEN: undefined, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? dir, env: env as NodeJS.ProcessEnv, stdio: "pipe" });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.stdin.on("error", () => undefined);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`natsobj ${args.join(" ")}: no exit after ${opts.timeoutMs ?? 30_000} ms; stderr: ${Buffer.concat(err)}`));
    }, opts.timeoutMs ?? 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, out: stdout.toString(), err: Buffer.concat(err).toString() });
    });
    if (opts.onStart) opts.onStart(child);
    else child.stdin.end(opts.input ?? "");
  });
}

function bucketName(prefix: string): string {
  const b = `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
  made.push(b);
  return b;
}

async function added(prefix = "cli"): Promise<string> {
  const b = bucketName(prefix);
  const r = await cli(["add", b]);
  assert.equal(r.code, 0, r.err);
  return b;
}

const ok = (r: Result) => assert.equal(r.code, 0, `exit ${r.code}; stderr: ${r.err}`);

describe("[node] cli", { concurrency: 4 }, () => {
  test("help, version and usage errors (exit 2)", async () => {
    const help = await cli(["--help"]);
    ok(help);
    assert.match(help.out, /Commands:[\s\S]*put <bucket>[\s\S]*Exit codes:/);
    assert.match((await cli(["get", "--help"])).out, /--output FILE/);
    assert.match((await cli(["--version"])).out, /^natsobj \d+\.\d+\.\d+/);
    for (const args of [[], ["frobnicate"], ["put", "b"], ["get", "b", "x", "--bogus"], ["ls", "--server", "http://127.0.0.1:4222"],
      ["add", "b", "--ttl", "10"], ["add", "b", "--storage", "tape"], ["put", "b", "-"], ["add", "bad.name"]]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}, stderr ${r.err}`);
      assert.equal(r.out, "");
    }
  });

  test("add, status, ls (buckets), seal, del; --json", async () => {
    const b = bucketName("life");
    ok(await cli(["add", b, "--storage", "memory", "--ttl", "1h", "--max-bytes", "10M", "--description", "a test bucket"]));
    const st = JSON.parse((await cli(["status", b, "--json"])).out);
    assert.deepEqual([st.bucket, st.storage, st.ttl, st.maxBytes, st.description, st.sealed], [b, "memory", 3_600_000, 10 * MiB, "a test bucket", false]);
    const human = await cli(["status", b]);
    assert.match(human.out, /TTL:\s+1h/);
    assert.match(human.out, /Max bytes:\s+10\.0 MiB/);
    // the same config again is fine; another is a conflict (7)
    ok(await cli(["add", b, "--storage", "memory", "--ttl", "1h", "--max-bytes", "10M", "--description", "a test bucket"]));
    assert.equal((await cli(["add", b, "--storage", "file"])).code, 7);
    const list = JSON.parse((await cli(["ls", "--json"])).out) as Array<{ bucket: string }>;
    assert.ok(list.some((s) => s.bucket === b));
    assert.match((await cli(["ls"])).out, new RegExp(`^${b}\\s`, "m"));
    ok(await cli(["put", b, "x", "-"], { input: "before seal" }));
    const sealed = await cli(["seal", b, "--json"]);
    ok(sealed);
    assert.equal(JSON.parse(sealed.out).sealed, true);
    const refused = await cli(["put", b, "y", "-"], { input: "after" });
    assert.equal(refused.code, 7, refused.err);
    assert.equal((await cli(["get", b, "x", "-o", "-"])).out, "before seal");
    const del = await cli(["del", b, "--json"]);
    ok(del);
    assert.deepEqual(JSON.parse(del.out), { bucket: b, deleted: true });
    assert.equal((await cli(["status", b])).code, 3);
    assert.equal((await cli(["del", b])).code, 3);
  });

  test("put a file, get it to a file and to stdout; info, ls, rm", async () => {
    const b = await added();
    const work = await mkdtemp(join(dir, "w-"));
    const data = testBytes(3 * MiB + 7, 21);
    await writeFile(join(work, "data.bin"), data);
    const put = await cli(["put", b, "data.bin", "--json"], { cwd: work });
    ok(put);
    const info = JSON.parse(put.out);
    assert.deepEqual([info.name, info.size, info.chunks], ["data.bin", data.length, 25]);
    assert.match(info.digest, /^SHA-256=/);
    const human = await cli(["put", b, join(work, "data.bin"), "--name", "copy.bin", "--description", "second"]);
    ok(human);
    assert.match(human.out, /^stored .*copy\.bin: 3\.0 MiB in 25 chunks/);

    ok(await cli(["get", b, "data.bin", "-o", join(work, "out.bin")]));
    assert.deepEqual(new Uint8Array(await readFile(join(work, "out.bin"))), data);
    const stdout = await cli(["get", b, "copy.bin", "-o", "-"]);
    ok(stdout);
    assert.deepEqual(new Uint8Array(stdout.stdout), data);
    assert.equal(stdout.err, "");

    // no -o: the object's name in the current directory; never overwritten without --force
    const sub = await mkdtemp(join(dir, "g-"));
    ok(await cli(["get", b, "copy.bin"], { cwd: sub }));
    const again = await cli(["get", b, "copy.bin"], { cwd: sub });
    assert.equal(again.code, 7);
    assert.match(again.err, /--force/);
    ok(await cli(["get", b, "data.bin", "-o", "copy.bin", "--force"], { cwd: sub }));
    ok(await cli(["get", b, "data.bin", "-o", sub]));
    assert.deepEqual((await readdir(sub)).sort(), ["copy.bin", "data.bin"]);

    const i = JSON.parse((await cli(["info", b, "copy.bin", "--json"])).out);
    assert.deepEqual([i.name, i.description, i.digest], ["copy.bin", "second", info.digest]);
    assert.match((await cli(["info", b, "copy.bin"])).out, /Description:\s+second[\s\S]*Chunks:\s+25/);
    assert.deepEqual((JSON.parse((await cli(["ls", b, "--json"])).out) as Array<{ name: string }>).map((x) => x.name).sort(), ["copy.bin", "data.bin"]);
    assert.match((await cli(["ls", b])).out, /^NAME\s+SIZE[\s\S]*copy\.bin\s+3\.0 MiB/m);

    ok(await cli(["rm", b, "copy.bin"]));
    assert.equal((await cli(["get", b, "copy.bin", "-o", "-"])).code, 3);
    assert.equal((await cli(["info", b, "copy.bin"])).code, 3);
    assert.equal((await cli(["rm", b, "never-was"])).code, 3);
    assert.match((await cli(["ls", b, "--deleted"])).out, /copy\.bin\s+deleted/);
  });

  test("put from a stdin pipe (5 MiB) with the name as an argument or --name", async () => {
    const b = await added();
    const data = testBytes(5 * MiB + 1, 33);
    const a = await cli(["put", b, "backup.tar", "-", "--json"], { input: data });
    ok(a);
    const c = await cli(["put", b, "-", "--name", "again.tar", "--json"], { input: data });
    ok(c);
    assert.equal(JSON.parse(a.out).digest, JSON.parse(c.out).digest);
    assert.equal(JSON.parse(a.out).size, data.length);
    assert.deepEqual(new Uint8Array((await cli(["get", b, "again.tar", "-o", "-"])).stdout), data);
    assert.equal((await cli(["put", b, "one", "-", "--name", "two"], { input: "x" })).code, 2);
    const small = await cli(["put", b, "small", "-", "--chunk-size", "64K", "--json"], { input: testBytes(200_000, 1) });
    ok(small);
    assert.deepEqual([JSON.parse(small.out).chunks, JSON.parse(small.out).options.max_chunk_size], [4, 64 * 1024]);
  });

  test("link to an object in another bucket and to a whole bucket", async () => {
    const src = await added("src");
    const dst = await added("dst");
    ok(await cli(["put", src, "target.txt", "-"], { input: "linked data" }));
    const l = await cli(["link", dst, "alias", src, "target.txt", "--json"]);
    ok(l);
    assert.deepEqual(JSON.parse(l.out).options.link, { bucket: src, name: "target.txt" });
    assert.equal((await cli(["get", dst, "alias", "-o", "-"])).out, "linked data");
    assert.match((await cli(["info", dst, "alias"])).out, new RegExp(`Link to:\\s+${src}/target\\.txt`));
    ok(await cli(["link", dst, "all", src]));
    assert.equal((await cli(["get", dst, "all", "-o", "-"])).code, 7); // LINK_IS_BUCKET
    assert.equal((await cli(["link", dst, "broken", src, "missing"])).code, 3);
    assert.equal((await cli(["link", dst, "broken", `nope_${Date.now()}`, "x"])).code, 3);
    assert.match((await cli(["ls", dst])).out, new RegExp(`alias\\s+link[\\s\\S]*-> ${src}/target\\.txt`));
  });

  test("not found is exit 3, with a JSON error on stderr under --json", async () => {
    const b = await added();
    const missing = `missing_${Date.now()}`;
    for (const args of [["ls", missing], ["get", missing, "x"], ["get", b, "x", "-o", "-"], ["info", b, "x"], ["status", missing],
      ["put", b, join(dir, "no-such-file")]]) {
      const r = await cli([...args, "--json"]);
      assert.equal(r.code, 3, `${args.join(" ")}: ${r.err}`);
      assert.equal(r.out, "");
      const e = JSON.parse(r.err).error;
      assert.equal(e.exitCode, 3);
      assert.match(e.code, /^(BUCKET_NOT_FOUND|OBJECT_NOT_FOUND|FILE_NOT_FOUND)$/);
    }
    assert.deepEqual(await readdir(dir).then((n) => n.filter((x) => x === "x")), []);
  });

  test("a connection failure (closed port) is exit 5, fast", async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await cli(["ls", "--server", `ws://127.0.0.1:${port}`]);
    assert.equal(r.code, 5, r.err);
    assert.match(r.err, /cannot connect to ws:\/\/127\.0\.0\.1/);
    const j = await cli(["info", "b", "x", "--json"], { env: { NATS_URL: `127.0.0.1:${port}` } });
    assert.equal(j.code, 5);
    assert.equal(JSON.parse(j.err).error.code, "CONNECTION_FAILED");
    // no retry loop: two CLI starts (tsx compiles on each) on a busy machine, well under a minute
    assert.ok(Date.now() - t0 < 45_000, `took ${Date.now() - t0} ms`);
  });

  test("the server going away during a watch is exit 5, within seconds", async () => {
    const own = await startNatsServer();
    try {
      ok(await cli(["add", "gone"], { env: { NATS_URL: own.url } }));
      let started = false;
      const done = cli(["watch", "gone"], {
        env: { NATS_URL: own.url },
        onStart: (c) => c.stderr!.on("data", (d: Buffer) => (started ||= d.toString().includes("watching"))),
      });
      while (!started) await new Promise((r) => setTimeout(r, 20));
      const t0 = Date.now();
      await own.stop();
      const r = await done;
      assert.equal(r.code, 5, r.err);
      assert.match(r.err, /lost the connection/);
      assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
    } finally {
      await own.stop();
    }
  });

  test("a corrupted object is exit 4 and leaves no file", async () => {
    const b = await added("corrupt");
    const data = testBytes(MiB, 5);
    const put = JSON.parse((await cli(["put", b, "obj", "-", "--json"], { input: data })).out);
    const nc = await connect({ servers: url });
    try {
      const subject = chunkSubject(b, put.nuid);
      await nc.request(`$JS.API.STREAM.PURGE.OBJ_${b}`, new TextEncoder().encode(JSON.stringify({ filter: subject })));
      for (let i = 0; i < 8; i++) await nc.request(subject, testBytes(128 * 1024, 100 + i));
    } finally {
      await nc.close();
    }
    const work = await mkdtemp(join(dir, "c-"));
    const r = await cli(["get", b, "obj", "-o", join(work, "obj")]);
    assert.equal(r.code, 4, r.err);
    assert.match(r.err, /digest mismatch/);
    assert.deepEqual(await readdir(work), []);
    assert.equal((await cli(["get", b, "obj", "-o", "-"])).code, 4);
  });

  test("credentials come from options or env and never appear in any output", async () => {
    const secret = "pw-Zx81-very-secret";
    const auth = await startNatsServer({ config: `authorization { user: alice, password: "${secret}" }` });
    try {
      const env = { NATS_URL: auth.url };
      const runs: Result[] = [];
      const run = async (args: string[], e: Record<string, string> = {}) => {
        const r = await cli(args, { env: { ...env, ...e } });
        runs.push(r);
        return r;
      };
      assert.equal((await run(["ls"])).code, 6);
      assert.equal((await run(["ls", "--user", "alice", "--password", `${secret}-wrong`])).code, 6);
      assert.equal((await run(["ls", "--json", "--user", "alice", "--password", `${secret}-wrong`])).code, 6);
      assert.equal((await run(["ls", "--server", auth.url.replace("ws://", `ws://alice:${secret}x@`)])).code, 6);
      assert.equal((await run(["ls", "--token", `${secret}-token`])).code, 6);
      // right credentials, from the env, or in the URL: the command runs, and still nothing is echoed
      ok(await run(["add", "authed", "--user", "alice"], { NATS_PASSWORD: secret }));
      ok(await run(["put", "authed", "x", "-", "--progress"], { NATS_USER: "alice", NATS_PASSWORD: secret }));
      const good = await run(["ls", "--json", "--server", auth.url.replace("ws://", `ws://alice:${secret}@`)]);
      ok(good);
      assert.equal(JSON.parse(good.out)[0].bucket, "authed");
      for (const r of runs) {
        assert.ok(!(r.out + r.err).includes(secret), `secret printed: ${r.out}${r.err}`);
        assert.ok(!(r.out + r.err).includes("Zx81"), `part of the secret printed: ${r.out}${r.err}`);
      }
      assert.match(runs[0]!.err, /permission denied|Authorization/i);
    } finally {
      await auth.stop();
    }
  });

  test("watch prints the objects then the changes (--json lines); SIGINT ends it with exit 0", async () => {
    const b = await added("watch");
    ok(await cli(["put", b, "first", "-"], { input: "1" }));
    let lines = "";
    let child: ReturnType<typeof spawn> | undefined;
    const seen = (n: number) => new Promise<void>((resolve) => {
      const check = () => (lines.split("\n").filter(Boolean).length >= n ? resolve() : setTimeout(check, 20));
      check();
    });
    // the watcher lives while three other CLI runs start and end: on a busy machine that takes a while
    const done = cli(["watch", b, "--json"], {
      timeoutMs: 180_000,
      onStart: (c) => {
        child = c;
        c.stdout!.on("data", (d: Buffer) => (lines += d.toString()));
      },
    });
    await seen(1);
    ok(await cli(["put", b, "second", "-"], { input: "22" }));
    ok(await cli(["rm", b, "first"]));
    await seen(3);
    child!.kill("SIGINT");
    const r = await done;
    assert.equal(r.code, 0, r.err);
    const entries = r.out.trim().split("\n").map((l) => JSON.parse(l) as { name: string; deleted?: boolean; size: number });
    assert.deepEqual(entries.map((e) => [e.name, e.deleted === true]), [["first", false], ["second", false], ["first", true]]);
  });

  test("Ctrl-C during a put from a stalled pipe: exit 130, nothing stored", async () => {
    const b = await added("int");
    const before = JSON.parse((await cli(["status", b, "--json"])).out).messages;
    const nc = await connect({ servers: url });
    const store = await objectStoreManager(nc).objectStore(b);
    // Ctrl-C once the put is under way (its first chunks stored), however long the CLI took to start
    const underWay = async () => {
      for (let i = 0; i < 1200 && (await store.status()).messages <= before; i++) await new Promise((r) => setTimeout(r, 100));
    };
    const r = await cli(["put", b, "partial", "-"], {
      timeoutMs: 180_000,
      onStart: (c) => {
        c.stdin!.write(testBytes(2 * MiB, 3)); // then nothing more: the pipe stays open
        void underWay().then(() => c.kill("SIGINT"));
      },
    }).finally(() => nc.close());
    assert.equal(r.code, 130, r.err);
    assert.equal((await cli(["info", b, "partial"])).code, 3);
    assert.equal(JSON.parse((await cli(["status", b, "--json"])).out).messages, before, "the partial chunks were purged");
  });

  test("a reader that goes away (broken pipe) ends get -o - with exit 141", async () => {
    const b = await added("pipe");
    ok(await cli(["put", b, "big", "-"], { input: testBytes(8 * MiB, 1) }));
    const r = await cli(["get", b, "big", "-o", "-"], {
      onStart: (c) => {
        c.stdin!.end();
        c.stdout!.once("data", () => c.stdout!.destroy());
      },
    });
    assert.equal(r.code, 141, r.err);
    assert.equal(r.err, "");
  });

  test("--progress draws a bar with MiB/s on stderr; piped without it there is none", async () => {
    const b = await added("progress");
    const data = testBytes(4 * MiB, 2);
    const bar = await cli(["put", b, "p", "-", "--progress"], { input: data });
    ok(bar);
    assert.match(bar.err, /\rput p\s+.*MiB\/s/);
    const got = await cli(["get", b, "p", "-o", join(dir, "p.out"), "--progress"]);
    assert.match(got.err, /\rget p\s+\[#+\]\s+100% 4\.0 MiB \/ 4\.0 MiB\s+[\d.]+ MiB\/s/);
    const quiet = await cli(["put", b, "q", "-"], { input: data });
    assert.equal(quiet.err, "");
    assert.ok(!quiet.out.includes("\r"));
  });
});
