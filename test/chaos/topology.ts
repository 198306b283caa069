/**
 * The servers a campaign runs against, started through the test harness (so the harness's server
 * version selection applies): one nats-server, or a three-node JetStream cluster, each node behind a TCP
 * proxy on loopback whose connections the fault injector can cut. Offers the fault injector its handles
 * (each node's pid, a SIGKILL and a restart on the same ports and store) and a health check.
 */
import { connect, type NatsConnection } from "nats.ws";
import { startNatsServer, type NatsServer } from "../harness/nats-server.js";
import { processGone, startNatsCluster, type NatsCluster } from "../harness/nats-cluster.js";
import { startTcpProxy, type TcpProxy } from "../harness/tcp-proxy.js";

/** Which servers. */
export type TopologyKind = "single" | "cluster";

/** One server process the injector may stop, kill and restart. */
export interface FaultNode {
  readonly name: string;
  /** Its current pid (changes on restart). */
  readonly pid: number;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** Start it again on the same ports with the same store. */
  restart(): Promise<void>;
}

/** Running servers and proxies. */
export interface Topology {
  readonly kind: TopologyKind;
  /** Replicas of the campaign's bucket. */
  readonly replicas: number;
  /** The server version the harness picked. */
  readonly version: string;
  readonly nodes: readonly FaultNode[];
  readonly proxies: readonly TcpProxy[];
  /** WebSocket URLs of the servers themselves. */
  readonly directUrls: string[];
  /** WebSocket URLs through the proxies. */
  readonly proxiedUrls: string[];
  /** The node leading the stream, when one does (cluster), else undefined. */
  leader(stream: string): Promise<FaultNode | undefined>;
  /**
   * Waits until every node answers JetStream and (cluster) the stream has a leader with every replica
   * current. Returns false when that did not happen within `timeoutMs`.
   */
  waitHealthy(stream: string, timeoutMs: number): Promise<boolean>;
  /** Stops proxies and servers (by pid) and removes their temp dirs. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();
const dec = new TextDecoder();


/** SIGKILLs a process this campaign started and waits until it is gone. */
async function sigkill(pid: number): Promise<void> {
  if (pid <= 0 || processGone(pid)) return;
  process.kill(pid, "SIGKILL");
  const deadline = Date.now() + 10_000;
  while (!processGone(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still there 10 s after SIGKILL`);
    await sleep(10);
  }
  await sleep(0); // let the child's exit event run, so the harness sees it gone
}

/** One JetStream API request to one server, without reconnects; `undefined` when it does not answer. */
async function probe(url: string, subject: string): Promise<Record<string, unknown> | undefined> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: url, reconnect: false, timeout: 2000, ignoreClusterUpdates: true });
    const m = await nc.request(subject, enc.encode(""), { timeout: 2000 });
    return JSON.parse(dec.decode(m.data)) as Record<string, unknown>;
  } catch {
    return undefined;
  } finally {
    await nc?.close().catch(() => undefined);
  }
}

async function until(timeoutMs: number, ok: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ok()) return true;
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
}

/** Starts one nats-server and a proxy in front of it. */
export async function startSingle(): Promise<Topology> {
  const server: NatsServer = await startNatsServer();
  const proxy = await startTcpProxy(server.wsPort);
  const node: FaultNode = {
    name: "server",
    get pid() {
      return server.pid;
    },
    kill: () => sigkill(server.pid),
    restart: () => server.restart(),
  };
  return {
    kind: "single",
    replicas: 1,
    version: (server as { version?: string }).version ?? "unknown",
    nodes: [node],
    proxies: [proxy],
    directUrls: [server.url],
    proxiedUrls: [`ws://127.0.0.1:${proxy.port}`],
    leader: async () => undefined,
    waitHealthy: (stream, timeoutMs) =>
      until(timeoutMs, async () => {
        const r = await probe(server.url, `$JS.API.STREAM.INFO.${stream}`);
        return r !== undefined && r.error === undefined;
      }),
    async stop() {
      await proxy.close();
      await server.stop();
    },
  };
}

/** Starts a three-node cluster, waits for its meta leader, and puts a proxy in front of each node. */
export async function startCluster(): Promise<Topology> {
  const cluster: NatsCluster = await startNatsCluster();
  try {
    await cluster.waitForJetStream(60_000);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const proxies = await Promise.all(cluster.nodes.map((n) => startTcpProxy(n.wsPort)));
  const nodes: FaultNode[] = cluster.nodes.map((n) => ({
    name: n.name,
    get pid() {
      return n.pid;
    },
    kill: () => cluster.kill(n),
    restart: () => cluster.start(n),
  }));
  const first = cluster.nodes[0]?.server as { version?: string } | undefined;
  return {
    kind: "cluster",
    replicas: 3,
    version: first?.version ?? "unknown",
    nodes,
    proxies,
    directUrls: cluster.urls,
    proxiedUrls: proxies.map((p) => `ws://127.0.0.1:${p.port}`),
    async leader(stream) {
      try {
        const c = await cluster.streamCluster(stream);
        return c.leader ? nodes.find((n) => n.name === c.leader) : undefined;
      } catch {
        return undefined;
      }
    },
    waitHealthy: (stream, timeoutMs) =>
      until(timeoutMs, async () => {
        if (!(await cluster.waitForJetStream(2_000).then(() => true, () => false))) return false;
        try {
          const c = await cluster.streamCluster(stream);
          return !!c.leader && c.replicas?.length === cluster.nodes.length - 1 && c.replicas.every((r) => r.current && !r.offline);
        } catch {
          return false;
        }
      }),
    async stop() {
      await Promise.all(proxies.map((p) => p.close()));
      await cluster.stop();
    },
  };
}
