/**
 * Uncompressed write endpoints for a server whose WebSocket compression is on (bench/run.ts, the rows
 * `ours [put via uncompressed leaf]` and `ours [put via deflate-stripping proxy]`).
 *
 * Browsers always offer `permessage-deflate`; when nats-server's `websocket { compression: true }` the page
 * deflates every frame it sends, incompressible object data included, and its puts slow down 2.5-4x. One
 * nats-server has one `websocket { }` block, so a page cannot choose per connection. Two ways to give it a
 * second endpoint whose connections are not compressed:
 *
 * - a **leaf node**: a second nats-server without JetStream, `websocket { compression: false }`, connected
 *   to the hub (the JetStream server) with `leafnodes { remotes: [...] }` in the same account; its clients'
 *   JetStream API requests and chunk publishes cross the leaf connection to the hub, and acks come back;
 * - a **proxy** in front of the hub's WebSocket that removes `Sec-WebSocket-Extensions` from the client's
 *   handshake (nginx: `proxy_set_header Sec-WebSocket-Extensions "";`): the server then negotiates no
 *   compression for that connection. Here a small Node TCP proxy does it (loopback, in the bench's process).
 *
 * Both servers and the proxy listen on 127.0.0.1 only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect as netConnect, createServer, type Server, type Socket } from "node:net";
import { connect as tcpConnect } from "@nats-io/transport-node";
// `.js`, not `.ts`: test/node/write-endpoint.test.ts imports this file, and test/tsconfig.json does not allow `.ts` imports
import { freePort, startNatsServer, type NatsServer, type NatsServerOptions } from "../../test/harness/nats-server.js";

/**
 * Starts a nats-server like {@link startNatsServer} but with `websocket { compression: true }` (the repo's
 * `nats-server.conf` has it off): the hub, whose compressed WebSocket serves the reads.
 */
export async function startCompressedServer(opts: Omit<NatsServerOptions, "template"> = {}): Promise<NatsServer> {
  const template = readFileSync(fileURLToPath(new URL("../../nats-server.conf", import.meta.url)), "utf8");
  const on = template.replace(/^(websocket\s*\{[^}]*?\bcompression\s*[:=]\s*)false\b/m, "$1true");
  const withCompression = on !== template ? on : template.replace(/^(websocket\s*\{)/m, "$1\n  compression: true");
  const dir = mkdtempSync(join(tmpdir(), "nats-conf-"));
  const path = join(dir, "nats-server.conf");
  writeFileSync(path, withCompression);
  try {
    return await startNatsServer({ ...opts, template: path });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The JetStream domain the hub's JetStream is given, so that the leaf can send its clients' JetStream API
 * requests there. nats-server does not let `$JS.API.>` cross a leaf node connection of an ordinary account
 * (server/leafnode.go, `addLeafNodeConnection`: `denyAllClientJs`); the domain-qualified `$JS.<domain>.API.>`
 * does cross, and the leaf's `default_js_domain` maps its clients' plain `$JS.API.>` onto it.
 */
export const HUB_DOMAIN = "hub";

/** The hub's extra lines inside `jetstream { }`. */
export const hubJetStreamConfig = `domain: ${HUB_DOMAIN}`;

/** The hub's extra config: accept leaf node connections on `port` (loopback). */
export const hubLeafConfig = (port: number) => `leafnodes {\n  listen: "127.0.0.1:${port}"\n}`;

/** A free loopback port for the hub's `leafnodes { listen }`. */
export const leafPort = (): Promise<number> => freePort();

/** The JetStream API prefix of the hub's domain, for the clients of a leaf without `default_js_domain`. */
export const HUB_API_PREFIX = `$JS.${HUB_DOMAIN}.API`;

/**
 * The leaf's config beside the template's listeners (its WebSocket: compression off), JetStream removed;
 * with `jsDomainMapping` false, no `default_js_domain` (its clients then need {@link HUB_API_PREFIX}).
 */
export const leafConfig = (hubLeafPort: number, jsDomainMapping = true) =>
  (jsDomainMapping ? `default_js_domain: { "$G": "${HUB_DOMAIN}" }\n` : "") +
  `leafnodes {\n  remotes: [ { url: "nats-leaf://127.0.0.1:${hubLeafPort}" } ]\n}`;

/** Options of {@link startLeaf}. */
export interface LeafOptions {
  /** Map the leaf's clients' `$JS.API.>` onto the hub's domain with `default_js_domain` (default true). */
  jsDomainMapping?: boolean;
  /** How long to wait for JetStream to answer through the leaf (default 15 000 ms). */
  timeoutMs?: number;
}

/**
 * Starts a leaf node of the hub listening for leaf connections on `hubLeafPort`: no JetStream, the
 * template's WebSocket (compression off), the default account on both sides. Resolves once JetStream
 * answers through it (at `$JS.API`, or at {@link HUB_API_PREFIX} without the domain mapping).
 */
export async function startLeaf(hubLeafPort: number, opts: LeafOptions = {}): Promise<NatsServer> {
  const mapped = opts.jsDomainMapping ?? true;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const leaf = await startNatsServer({ jetstream: false, config: leafConfig(hubLeafPort, mapped) });
  try {
    await untilJetStreamAnswers(leaf.natsUrl, mapped ? "$JS.API" : HUB_API_PREFIX, timeoutMs);
  } catch (e) {
    const log = (() => {
      try {
        return readFileSync(join(leaf.dir, "nats-server.log"), "utf8").trimEnd().split("\n").slice(-15).join("\n");
      } catch {
        return "(no log)";
      }
    })();
    await leaf.stop();
    throw new Error(`${(e as Error).message}\nleaf log:\n${log}`);
  }
  return leaf;
}

/** Polls `<apiPrefix>.INFO` over a TCP connection to `natsUrl` until JetStream (the hub's, through the leaf) answers. */
async function untilJetStreamAnswers(natsUrl: string, apiPrefix: string, timeoutMs: number): Promise<void> {
  const nc = await tcpConnect({ servers: natsUrl, maxReconnectAttempts: 0 });
  const deadline = Date.now() + timeoutMs;
  let last = "";
  try {
    for (;;) {
      try {
        const m = await nc.request(`${apiPrefix}.INFO`, undefined, { timeout: 500 });
        const info = m.json<{ error?: { description?: string } }>();
        if (!info.error) return;
        last = info.error.description ?? JSON.stringify(info.error);
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`leaf node at ${natsUrl}: JetStream did not answer through it within ${timeoutMs} ms (${last})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await nc.close();
  }
}

/** A loopback proxy in front of a WebSocket listener that removes the client's `Sec-WebSocket-Extensions`. */
export interface StripProxy {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy to `127.0.0.1:targetPort` that drops the `Sec-WebSocket-Extensions` header lines from
 * the client's HTTP upgrade request and then copies bytes both ways: nats-server sees a client that offers no
 * `permessage-deflate` and answers without it, so neither side compresses on that connection.
 */
export async function startStripProxy(targetPort: number): Promise<StripProxy> {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.setNoDelay(true);
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 64 * 1024) client.destroy();
        return;
      }
      client.off("data", onData);
      client.pause();
      const request = head.subarray(0, end + 4).toString("latin1")
        .split("\r\n").filter((line) => !/^sec-websocket-extensions\s*:/i.test(line)).join("\r\n");
      const rest = head.subarray(end + 4);
      const upstream = netConnect(targetPort, "127.0.0.1", () => {
        upstream.setNoDelay(true);
        upstream.write(Buffer.from(request, "latin1"));
        if (rest.length) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      // either side's end or error ends both
      const pair = [client, upstream];
      const closeBoth = () => pair.forEach((s) => (s.destroy(), open.delete(s)));
      for (const s of pair) open.add(s.on("error", closeBoth).on("close", closeBoth));
    };
    client.on("data", onData);
    client.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
}
