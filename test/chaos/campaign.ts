/**
 * One campaign: start the servers (one, or a three-node cluster), create the bucket, run N clients (each
 * its own connection, some through the cutting proxies) against a small set of names while the controller
 * fires the planned faults. After each fault, and every `auditEvery` operations, the clients pause and the
 * invariants are checked at that quiescent point; at the end, once every server is up and healthy,
 * anything in flight has landed and the clients have closed their connections, a last time.
 *
 * Everything random comes from the seed: each client's operations, sizes and pauses, and the fault plan.
 * The interleaving depends on timing too, so a replay runs the same operations and faults, not
 * necessarily in the same order.
 */
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager, type ObjectStore } from "../../src/index.js";
import { checkState, type CheckInput, type StateSummary } from "./checker.js";
import { runController, planSteps } from "./controller.js";
import { continueAll, planFaults, type FaultKind, type FiredFault } from "./faults.js";
import { History } from "./history.js";
import { CampaignLog } from "./log.js";
import { Model } from "./model.js";
import { within } from "./observe.js";
import { Pacer } from "./pacer.js";
import { Rng } from "./prng.js";
import { checkReads } from "./reads.js";
import { startCluster, startSingle, type Topology, type TopologyKind } from "./topology.js";
import { Findings, formatViolation } from "./violations.js";
import { DEFAULT_WEIGHTS, runClient, type WorkloadConfig } from "./workload.js";

/** A campaign's size and shape. */
export interface CampaignOptions {
  readonly topology: TopologyKind;
  readonly seed: number;
  /** Operations in all (split evenly between the clients). */
  readonly ops: number;
  readonly faults: number;
  readonly clients: number;
  /** How many names the clients share (at most 8). */
  readonly names: number;
  /** The log file. */
  readonly logPath: string;
  /** The fault mix (default: the topology's, `FAULT_WEIGHTS` in faults.ts). */
  readonly faultWeights?: Readonly<Record<FaultKind, number>>;
  /** A quiescent checkpoint every this many operations, besides the one after each fault (default 100; 0: none). */
  readonly auditEvery?: number;
  /** JetStream request timeout of the clients' managers (ms, default 2000: some stalls outlast it). */
  readonly requestTimeoutMs?: number;
}

/** What a campaign did and found. */
export interface CampaignResult {
  readonly options: CampaignOptions;
  readonly serverVersion: string;
  readonly ops: { total: number; ok: number; fail: number; unknown: number; byKind: Record<string, number> };
  readonly faults: FiredFault[];
  readonly findings: Findings;
  readonly final: StateSummary | undefined;
  /** Quiescent checkpoints checked (one after each fault, and the final one). */
  readonly checkpoints: number;
  readonly ms: number;
}

/** The names a campaign may use: plain, with a dot and a slash, one with a space, one beyond ASCII. */
const NAME_POOL = ["alpha", "beta", "gamma.txt", "dir/delta", "épsilon", "zeta eta", "theta", "iota"];
const BUCKET = "chaos";
const STREAM = `OBJ_${BUCKET}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createBucket(url: string[], replicas: number, timeout: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ servers: url, reconnect: false, timeout: 5000 });
      await objectStoreManager(nc, { timeout }).createObjectStore({ bucket: BUCKET, replicas, storage: "file" });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    } finally {
      await nc?.close().catch(() => undefined);
    }
  }
}

async function openClient(servers: string[], viaProxy: boolean, index: number, timeout: number): Promise<{ nc: NatsConnection; store: ObjectStore }> {
  const nc = await connect({
    servers,
    name: `chaos-c${index}`,
    noRandomize: true,
    reconnectTimeWait: 150,
    maxReconnectAttempts: -1,
    pingInterval: 1500,
    maxPingOut: 2,
    timeout: 5000,
    ignoreClusterUpdates: viaProxy,
  });
  for (let attempt = 0; ; attempt++) {
    try {
      return { nc, store: await objectStoreManager(nc, { timeout }).objectStore(BUCKET) };
    } catch (err) {
      if (attempt >= 20) throw err;
      await sleep(250);
    }
  }
}

/** Closes connections, waiting at most 10 s for each (a close that hangs is logged and left). */
async function closeAll(ncs: readonly NatsConnection[], log: (line: string) => void): Promise<void> {
  await Promise.all(ncs.map(async (nc) => {
    if (nc.isClosed()) return;
    const r = await within(nc.close(), 10_000);
    if (!r.done && "hung" in r) log(`close of a connection did not settle within 10 s`);
  }));
}

const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length]!);

/** Runs one campaign; never throws for a violation (they are in the result), only for a broken set-up. */
export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const t0 = Date.now();
  const requestTimeout = o.requestTimeoutMs ?? 2000;
  const log = new CampaignLog(o.logPath);
  const rng = new Rng(o.seed);
  const names = NAME_POOL.slice(0, Math.max(2, Math.min(o.names, NAME_POOL.length)));
  const history = new History();
  const findings = new Findings();
  const perClient = Math.ceil(o.ops / o.clients);
  const total = perClient * o.clients;
  const topo: Topology = o.topology === "single" ? await startSingle() : await startCluster();
  const plan = planFaults(rng.fork(1000), o.faults, total, o.topology, topo.nodes.length, o.faultWeights);
  const fired: FiredFault[] = [];
  const connections: NatsConnection[] = [];
  let final: StateSummary | undefined;
  let checkpoints = 0;
  log.line(`campaign ${o.topology} seed=${o.seed} ops=${total} faults=${o.faults} clients=${o.clients} names=${names.join(",")} ` +
    `nats-server ${topo.version} pids ${topo.nodes.map((n) => `${n.name}:${n.pid}`).join(" ")}`);
  for (const f of plan) log.line(`plan FAULT#${f.index + 1} at op ${f.atOp}: ${f.kind} ${f.target} ${f.ms}ms`);
  try {
    await createBucket(topo.directUrls, topo.replicas, 10_000);
    const cfg: WorkloadConfig = {
      names,
      seed: o.seed,
      chunkSizes: [1024, 2048, 4096],
      maxChunks: 4,
      reconnectWaits: [0, 1000, 5000],
      opBoundMs: 120_000,
      weights: DEFAULT_WEIGHTS,
    };

    const checker = await connect({ servers: topo.directUrls, maxReconnectAttempts: -1, reconnectTimeWait: 200, timeout: 10_000 });
    const check: CheckInput = {
      store: await objectStoreManager(checker, { timeout: 15_000 }).objectStore(BUCKET),
      nc: checker, bucket: BUCKET, names, seed: o.seed, history, findings, log: (l) => log.line(l), readBoundMs: 60_000,
    };
    const steps = planSteps(plan, total, o.auditEvery ?? 100);
    const pacer = new Pacer(steps.map((x) => x.atOp), Math.max(2, Math.floor(total / (steps.length + 1) / 2)));
    const clients = await Promise.all(
      Array.from({ length: o.clients }, (_, i) => {
        const viaProxy = i % 2 === 1;
        return openClient(rotate(viaProxy ? topo.proxiedUrls : topo.directUrls, i), viaProxy, i, requestTimeout);
      }),
    );
    connections.push(checker, ...clients.map((c) => c.nc));
    let clientsDone = false;
    const controller = runController({
      steps, pacer, topo, stream: STREAM, check, now: () => history.now(), log: (l) => log.line(l),
      clientsDone: () => clientsDone, fired,
    });
    // a broken controller (a server that does not come back) ends the clients too
    controller.catch((err: unknown) => pacer.abort(err instanceof Error ? err : new Error(String(err))));
    const running = clients.map((c, i) =>
      runClient({
        index: i,
        store: c.store,
        rng: rng.fork(i),
        history,
        findings,
        log: (l) => log.line(l),
        gate: () => pacer.beforeOp(),
        done: () => pacer.afterOp(),
      }, cfg, perClient),
    );
    try {
      await Promise.all(running);
    } finally {
      clientsDone = true;
      pacer.wakeController();
    }
    checkpoints = (await controller).checkpoints;

    // quiescence: every server up and healthy, anything in flight landed, the clients gone
    continueAll();
    const healthy = await topo.waitHealthy(STREAM, 120_000);
    log.line(`quiescence: clients done, ${healthy ? "servers healthy" : "servers NOT healthy after 120 s"}`);
    await sleep(2000);
    await closeAll(clients.map((c) => c.nc), (l) => log.line(l));
    checkReads(history, new Model(history), names, findings);
    final = await checkState(check, "final");
    checkpoints++;
  } finally {
    continueAll();
    await closeAll(connections, (l) => log.line(l));
    await topo.stop();
    if (!final) await log.close();
  }
  const count = (pred: (o: { outcome: string }) => boolean) => history.ops.filter(pred).length;
  const byKind: Record<string, number> = {};
  for (const op of history.ops) byKind[op.kind] = (byKind[op.kind] ?? 0) + 1;
  const result: CampaignResult = {
    options: o,
    serverVersion: topo.version,
    ops: { total: history.ops.length, ok: count((x) => x.outcome === "ok"), fail: count((x) => x.outcome === "fail"), unknown: count((x) => x.outcome === "unknown"), byKind },
    faults: fired,
    findings,
    final,
    checkpoints,
    ms: Date.now() - t0,
  };
  findings.violations.forEach((v, i) => formatViolation(v, i, findings.repeats(v)).forEach((l) => log.line(l)));
  for (const w of findings.warnings) log.line(`WARNING [${w.kind}] ${w.detail}`);
  log.line(summarize(result));
  await log.close();
  return result;
}

/** The campaign in one line. */
export function summarize(r: CampaignResult): string {
  const o = r.options;
  const faultKinds = new Map<string, number>();
  for (const f of r.faults) faultKinds.set(f.planned.kind, (faultKinds.get(f.planned.kind) ?? 0) + 1);
  return `chaos ${o.topology} seed=${o.seed} (nats-server ${r.serverVersion}): ${r.ops.total} ops ` +
    `(ok ${r.ops.ok}, failed ${r.ops.fail}, unknown ${r.ops.unknown}), ${r.faults.length} faults ` +
    `(${[...faultKinds].map(([k, n]) => `${k} ${n}`).join(", ")}), ${r.checkpoints} checkpoints, ${r.findings.violations.length} violations ` +
    `(${Findings.countByKind(r.findings.violations)}), ${r.findings.warnings.length} warnings, ${(r.ms / 1000).toFixed(1)} s`;
}

/** The command that replays a campaign. */
export function replayCommand(o: CampaignOptions): string {
  const mix = o.faultWeights ? ` --mix ${Object.entries(o.faultWeights).map(([k, w]) => `${k}=${w}`).join(",")}` : "";
  return `npm run test:chaos -- --topology ${o.topology} --seed ${o.seed} --ops ${o.ops} --faults ${o.faults} --clients ${o.clients} --names ${o.names}${mix}`;
}
