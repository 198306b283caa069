/**
 * The natsobj CLI as a real process (bin/natsobj.mjs): a server URL it cannot parse is a usage error
 * (exit 2) whose message never holds the URL's password or token, whatever the URL's shape and wherever
 * it came from (--server, --server=, -s, NATS_URL), in text and in --json. No server is needed: the URL
 * is refused before any connection.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import * as assert from "node:assert/strict";

const BIN = join(fileURLToPath(new URL("../../", import.meta.url)), "bin", "natsobj.mjs");

/** Runs the CLI with `args` and extra env; resolves with its exit code and stdout + stderr. */
function natsobj(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of ["NATS_USER", "NATS_PASSWORD", "NATS_TOKEN"]) delete childEnv[k];
  if (!env.NATS_URL) delete childEnv.NATS_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`natsobj ${args.join(" ")}: no exit after 30 s`));
    }, 30_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const SECRET = "Qv7-hush";

test("a server URL that cannot be parsed is a usage error that never prints its password or token", { timeout: 180_000 }, async () => {
  const urls = [
    `ws://user:${SECRET}@[bad`,                 // the case
    `user:${SECRET}@[bad`,                      // no scheme
    `ws://user:${SECRET}/x@host`,               // a "/" in the password: not a URL at all
    `ws://user:${SECRET} x@[bad`,               // a space in the password
    `ws://user:p@${SECRET}@[bad`,               // an "@" in the password
    `wss://${SECRET}@[::1`,                      // a token as the user part
    `ws://user:${SECRET}%ZZ@host`,               // a broken %-escape in the password
  ];
  const ways = (url: string): [string[], Record<string, string>][] => [
    [["ls", "--server", url], {}],
    [["--json", "ls", `--server=${url}`], {}],
    [["ls", "-s", url], {}],
    [["ls"], { NATS_URL: url }],
    [["ls", "--json"], { NATS_URL: url }],
  ];
  // the URL every way it can come in; each other URL one way (in turn), to keep the processes few
  const runs = [...ways(urls[0]!), ...urls.slice(1).map((url, i) => ways(url)[i % 5]!)];
  for (const [args, env] of runs) {
    const r = await natsobj(args, env);
    const what = `${args.join(" ")} ${JSON.stringify(env)}`;
    assert.equal(r.code, 2, `${what}: exit ${r.code}: ${r.output}`);
    assert.match(r.output, /server URL/, what);
    assert.ok(!r.output.includes(SECRET), `${what}: the secret was printed: ${r.output}`);
    assert.ok(!r.output.includes("hush"), `${what}: part of the secret was printed: ${r.output}`);
  }
});
