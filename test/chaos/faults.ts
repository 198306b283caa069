/**
 * The fault injector: a seeded plan of faults, each fired once the workload has started a given number
 * of operations, against the topology's processes and proxies:
 *
 * - `stop`: SIGSTOP a server (the stream leader or a random node) for a while, then SIGCONT: a stall;
 *   requests time out, and what was sent lands after the client gave up;
 * - `kill`: SIGKILL a server, keep it down a while, start it again on the same ports and store;
 * - `cut`: cut every connection through the proxies (clients reconnect at once);
 * - `blackhole`: drop what clients send through the proxies for a while, then cut.
 *
 * After each fault the injector waits (bounded) for the servers to be healthy again, so faults do not
 * pile onto an unrecovered system (in a cluster at most one node is ever down).
 */
import type { Rng } from "./prng.js";
import type { FaultNode, Topology } from "./topology.js";

/** The kinds of fault. */
export type FaultKind = "stop" | "kill" | "cut" | "blackhole";

/** One planned fault. */
export interface PlannedFault {
  readonly index: number;
  /** Fired once this many operations have started. */
  readonly atOp: number;
  readonly kind: FaultKind;
  /** stop/kill: the stream leader, or node `node`. */
  readonly target: "leader" | number;
  /** How long the stall, the downtime or the black hole lasts. */
  readonly ms: number;
}

/** The fault mix of each topology. */
export const FAULT_WEIGHTS: Readonly<Record<Topology["kind"], Readonly<Record<FaultKind, number>>>> = {
  single: { stop: 35, kill: 25, cut: 25, blackhole: 15 },
  cluster: { stop: 25, kill: 40, cut: 20, blackhole: 15 },
};

/**
 * Plans `count` faults spread over `totalOps` operations. Every kind of fault (of non-zero weight) comes at
 * least once when `count` allows (the most frequent kinds first when it does not), at seeded places; the
 * rest are drawn by weight.
 */
export function planFaults(
  rng: Rng,
  count: number,
  totalOps: number,
  kind: Topology["kind"],
  nodes: number,
  weights: Readonly<Record<FaultKind, number>> = FAULT_WEIGHTS[kind],
): PlannedFault[] {
  const kinds = (Object.keys(weights) as FaultKind[]).filter((k) => weights[k] > 0).sort((a, b) => weights[b] - weights[a]);
  const drawn = Array.from({ length: count }, (_, i) => (i < kinds.length ? kinds[i]! : rng.weighted(weights)));
  for (let i = drawn.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [drawn[i], drawn[j]] = [drawn[j]!, drawn[i]!];
  }
  const spacing = totalOps / (count + 1);
  return drawn.map((k, i) => {
    const atOp = Math.max(1, Math.round(spacing * (i + 1) + (rng.next() - 0.5) * spacing * 0.5));
    const target = nodes > 1 && rng.chance(0.5) ? "leader" : rng.int(0, nodes - 1);
    const ms =
      k === "stop" ? rng.int(150, 5000) :
      k === "kill" ? (kind === "cluster" ? rng.int(200, 3000) : rng.int(0, 1500)) :
      k === "blackhole" ? rng.int(100, 1000) : 0;
    return { index: i, atOp, kind: k, target, ms };
  });
}

/** A fault as fired: what, on which node, when (ms since the campaign began), how long it took to recover. */
export interface FiredFault {
  readonly planned: PlannedFault;
  readonly node?: string | undefined;
  readonly at: number;
  readonly recoveredAt: number;
  readonly healthy: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stopped pids, continued by {@link continueAll} whatever happens. */
const stopped = new Set<number>();

/** SIGCONTs every process the injector stopped and has not continued yet. */
export function continueAll(): void {
  for (const pid of stopped) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      /* gone */
    }
  }
  stopped.clear();
}
process.once("exit", continueAll);

async function pickNode(topo: Topology, f: PlannedFault, stream: string): Promise<FaultNode> {
  if (f.target === "leader") {
    const leader = await topo.leader(stream);
    if (leader) return leader;
    return topo.nodes[0]!;
  }
  return topo.nodes[f.target % topo.nodes.length]!;
}

/** Fires one fault and waits until the servers are healthy again (at most `healthyWithinMs`). */
export async function fire(
  topo: Topology,
  f: PlannedFault,
  stream: string,
  now: () => number,
  healthyWithinMs: number,
): Promise<FiredFault> {
  const at = now();
  let node: FaultNode | undefined;
  switch (f.kind) {
    case "stop": {
      node = await pickNode(topo, f, stream);
      const pid = node.pid;
      process.kill(pid, "SIGSTOP");
      stopped.add(pid);
      try {
        await sleep(f.ms);
      } finally {
        stopped.delete(pid);
        process.kill(pid, "SIGCONT");
      }
      break;
    }
    case "kill":
      node = await pickNode(topo, f, stream);
      await node.kill();
      await sleep(f.ms);
      await node.restart();
      break;
    case "cut":
      for (const p of topo.proxies) p.cut();
      break;
    case "blackhole":
      await Promise.all(topo.proxies.map((p) => p.blackhole(f.ms)));
      break;
  }
  const healthy = await topo.waitHealthy(stream, healthyWithinMs);
  return { planned: f, node: node?.name, at, recoveredAt: now(), healthy };
}

/** A fault in one log line. */
export function formatFault(x: FiredFault): string {
  const f = x.planned;
  const what =
    f.kind === "stop" ? `SIGSTOP ${x.node} for ${f.ms}ms, SIGCONT` :
    f.kind === "kill" ? `SIGKILL ${x.node}, down ${f.ms}ms, restarted` :
    f.kind === "cut" ? "cut every proxied connection" :
    `blackhole proxied connections for ${f.ms}ms, then cut`;
  const target = f.target === "leader" ? " (stream leader)" : "";
  return `+${(x.at / 1000).toFixed(3)} FAULT#${f.index + 1} at op ${f.atOp}: ${what}${target}; ` +
    `${x.healthy ? "healthy" : "NOT healthy"} after ${Math.round(x.recoveredAt - x.at)}ms`;
}
