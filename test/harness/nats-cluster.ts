/**
 * A throw-away three-node (by default) JetStream cluster on 127.0.0.1, for fault tests (Node only).
 *
 * Each node is a {@link startNatsServer} server (its own temp dir, config from the repo's
 * `nats-server.conf`, free client and WebSocket ports, its own store dir) with a cluster section
 * appended: a unique `server_name`, `cluster { name, listen, routes }` on a free cluster port, with
 * routes to every node. Nodes are started one after the other; {@link NatsCluster.waitForJetStream}
 * then waits until the meta group has a leader (`$JS.API.INFO` answers without an error).
 *
 * `kill(node)` sends SIGKILL (no clean shutdown: the fault under test) and waits for the process to
 * go; `start(node)` brings it back on the same ports with the same store dir. `stop()` stops every
 * node by pid and removes the temp dirs.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { connect, type NatsConnection } from "nats.ws";
import { freePort, startNatsServer, type NatsServer, type NatsServerOptions } from "./nats-server.js";

export interface ClusterNode {
  /** `server_name` (n1, n2, …): what stream info reports as `cluster.leader` and `replicas[].name`. */
  readonly name: string;
  /** WebSocket URL, `ws://127.0.0.1:WSPORT`. */
  readonly url: string;
  /** NATS protocol URL. */
  readonly natsUrl: string;
  readonly wsPort: number;
  readonly port: number;
  readonly clusterPort: number;
  /** Pid of the node's current process. */
  readonly pid: number;
  /** False after {@link NatsCluster.kill} until {@link NatsCluster.start}. */
  readonly alive: boolean;
  /** The node's server (temp dir, log file `dir/nats-server.log`). */
  readonly server: NatsServer;
}

/** Stream cluster info as `$JS.API.STREAM.INFO.<stream>` reports it. */
export interface StreamClusterInfo {
  name?: string;
  leader?: string;
  replicas?: { name: string; current: boolean; active: number; lag?: number; offline?: boolean }[];
}

export interface NatsCluster {
  /** The cluster name. */
  readonly name: string;
  readonly nodes: readonly ClusterNode[];
  /** The WebSocket URLs of every node, for a client's `servers`. */
  readonly urls: string[];
  /** The node of that `server_name`. */
  node(name: string): ClusterNode;
  /** The node listening on the port of a URL (`nc.getServer()`), if any. */
  nodeOfUrl(url: string): ClusterNode | undefined;
  /** Waits until JetStream has a meta leader (answers `$JS.API.INFO`) on every live node. Returns the ms waited. */
  waitForJetStream(timeoutMs?: number): Promise<number>;
  /** The stream's cluster info (leader and replicas), asked through any live node. */
  streamCluster(stream: string): Promise<StreamClusterInfo>;
  /** SIGKILLs a node and waits until its process is gone. */
  kill(node: ClusterNode): Promise<void>;
  /** Starts a killed node again (same ports, same store dir). */
  start(node: ClusterNode): Promise<void>;
  /** Copies every node's log to `dir/<name>.log` (for a failed test: the temp dirs go with stop()). */
  copyLogs(dir: string): void;
  /** Stops every node (by pid) and removes their temp dirs. Idempotent. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** Number of nodes (default 3). */
  size?: number;
  /** Cluster name (default `objstore`). */
  name?: string;
  /** Extra config appended to every node's config. */
  config?: string;
  /** Passed to each node's {@link startNatsServer}. */
  bin?: NatsServerOptions["bin"];
  /** Passed to each node's {@link startNatsServer} (default: env `NATS_SERVER_VERSION`, else the newest). */
  version?: NatsServerOptions["version"];
  startTimeoutMs?: number;
}

const HOST = "127.0.0.1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();
const dec = new TextDecoder();

/** True when no process `pid` exists any more. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** The cluster section of one node's config. */
export function clusterConfig(p: { serverName: string; clusterName: string; clusterPort: number; routePorts: number[] }): string {
  const routes = p.routePorts.map((port) => `    "nats-route://${HOST}:${port}"`).join("\n");
  return [
    `server_name: ${JSON.stringify(p.serverName)}`,
    `cluster {`,
    `  name: ${JSON.stringify(p.clusterName)}`,
    `  listen: "${HOST}:${p.clusterPort}"`,
    `  routes: [`,
    routes,
    `  ]`,
    `}`,
  ].join("\n");
}

/** Starts the cluster. On failure every node started so far is stopped. */
export async function startNatsCluster(opts: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = opts.size ?? 3;
  const clusterName = opts.name ?? "objstore";
  const clusterPorts: number[] = [];
  while (clusterPorts.length < size) {
    const p = await freePort();
    if (!clusterPorts.includes(p)) clusterPorts.push(p);
  }
  const nodes: (ClusterNode & { alive: boolean })[] = [];
  let stopped = false;

  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.server.stop().catch(() => undefined)));
  };

  try {
    for (let i = 0; i < size; i++) {
      const name = `n${i + 1}`;
      const clusterPort = clusterPorts[i]!;
      const extra = clusterConfig({
        serverName: name,
        clusterName,
        clusterPort,
        routePorts: clusterPorts.filter((_, j) => j !== i),
      });
      const server = await startNatsServer({
        config: opts.config ? `${extra}\n${opts.config}` : extra,
        bin: opts.bin,
        version: opts.version,
        startTimeoutMs: opts.startTimeoutMs,
      });
      nodes.push({
        name,
        url: server.url,
        natsUrl: server.natsUrl,
        wsPort: server.wsPort,
        port: server.port,
        clusterPort,
        get pid() {
          return server.pid;
        },
        alive: true,
        server,
      });
    }
  } catch (e) {
    await stopAll();
    throw e;
  }

  const live = () => nodes.filter((n) => n.alive);

  /** A short-lived connection to one node (no reconnects). */
  const probe = (node: ClusterNode): Promise<NatsConnection> =>
    connect({ servers: node.url, reconnect: false, timeout: 2000, ignoreClusterUpdates: true });

  async function jsInfoOk(node: ClusterNode): Promise<boolean> {
    let nc: NatsConnection | undefined;
    try {
      nc = await probe(node);
      const m = await nc.request("$JS.API.INFO", enc.encode(""), { timeout: 2000 });
      const r = JSON.parse(dec.decode(m.data)) as { error?: unknown };
      return !r.error;
    } catch {
      return false;
    } finally {
      await nc?.close().catch(() => undefined);
    }
  }

  return {
    name: clusterName,
    nodes,
    get urls() {
      return nodes.map((n) => n.url);
    },
    node(name) {
      const n = nodes.find((x) => x.name === name);
      if (!n) throw new Error(`no node named ${name} (nodes: ${nodes.map((x) => x.name).join(", ")})`);
      return n;
    },
    nodeOfUrl(url) {
      const m = /:(\d+)\/?$/.exec(url.trim());
      return m ? nodes.find((n) => n.wsPort === Number(m[1])) : undefined;
    },
    async waitForJetStream(timeoutMs = 30_000) {
      const t0 = Date.now();
      for (;;) {
        const ok = await Promise.all(live().map(jsInfoOk));
        if (ok.every(Boolean)) return Date.now() - t0;
        if (Date.now() - t0 > timeoutMs) {
          const bad = live().filter((_, i) => !ok[i]).map((n) => n.name);
          throw new Error(`JetStream cluster not ready within ${timeoutMs} ms (no answer from ${bad.join(", ")})`);
        }
        await sleep(250);
      }
    },
    async streamCluster(stream) {
      let last: unknown;
      for (const node of live()) {
        let nc: NatsConnection | undefined;
        try {
          nc = await probe(node);
          const m = await nc.request(`$JS.API.STREAM.INFO.${stream}`, enc.encode(""), { timeout: 3000 });
          const r = JSON.parse(dec.decode(m.data)) as { error?: { description?: string }; cluster?: StreamClusterInfo };
          if (r.error) throw new Error(`stream info ${stream}: ${r.error.description}`);
          return r.cluster ?? {};
        } catch (e) {
          last = e;
        } finally {
          await nc?.close().catch(() => undefined);
        }
      }
      throw last ?? new Error("no live node");
    },
    async kill(node) {
      const n = nodes.find((x) => x === node);
      if (!n) throw new Error("not a node of this cluster");
      const pid = n.pid;
      n.alive = false;
      if (pid <= 0 || processGone(pid)) return;
      process.kill(pid, "SIGKILL");
      const deadline = Date.now() + 5000;
      while (!processGone(pid)) {
        if (Date.now() > deadline) throw new Error(`${n.name} (pid ${pid}) still there 5 s after SIGKILL`);
        await sleep(10);
      }
      await sleep(0); // let the child's exit event run, so restart() sees it gone
    },
    async start(node) {
      const n = nodes.find((x) => x === node);
      if (!n) throw new Error("not a node of this cluster");
      if (n.alive) return;
      await n.server.restart();
      n.alive = true;
    },
    copyLogs(dir) {
      mkdirSync(dir, { recursive: true });
      for (const n of nodes) {
        try {
          copyFileSync(join(n.server.dir, "nats-server.log"), join(dir, `${n.name}.log`));
        } catch {
          /* no log (yet) */
        }
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}
