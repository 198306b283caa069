/**
 * The campaign's controller: walks the steps of its plan as the workload reaches them. A step is a
 * fault (fired, then a quiescent checkpoint once the servers are healthy and what the fault delayed has
 * landed) or a plain audit (a quiescent checkpoint between faults, so an object broken and overwritten
 * again between two faults is still seen).
 */
import type { CheckInput, StateSummary } from "./checker.js";
import { checkState } from "./checker.js";
import { fire, formatFault, type FiredFault, type PlannedFault } from "./faults.js";
import type { Pacer } from "./pacer.js";
import type { Topology } from "./topology.js";

/** One step of the plan: at `atOp` operations started, a fault (and a checkpoint) or only a checkpoint. */
export interface Step {
  readonly atOp: number;
  readonly fault?: PlannedFault | undefined;
}

/** The faults, plus an audit every `auditEvery` operations (0: none), in order. */
export function planSteps(faults: readonly PlannedFault[], total: number, auditEvery: number): Step[] {
  const steps: Step[] = faults.map((f) => ({ atOp: f.atOp, fault: f }));
  if (auditEvery > 0) for (let at = auditEvery; at < total; at += auditEvery) steps.push({ atOp: at });
  return steps.sort((a, b) => a.atOp - b.atOp);
}

/** What the controller needs. */
export interface ControllerInput {
  readonly steps: readonly Step[];
  readonly pacer: Pacer;
  readonly topo: Topology;
  readonly stream: string;
  readonly check: CheckInput;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** True once the clients have run every operation. */
  readonly clientsDone: () => boolean;
  /** Faults fired so far (appended to). */
  readonly fired: FiredFault[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs every step; resolves with the number of checkpoints checked. */
export async function runController(c: ControllerInput): Promise<{ checkpoints: number; last?: StateSummary }> {
  let checkpoints = 0;
  let last: StateSummary | undefined;
  for (const [i, step] of c.steps.entries()) {
    await c.pacer.untilDue(i, c.clientsDone);
    if (step.fault) {
      const x = await fire(c.topo, step.fault, c.stream, c.now, 60_000);
      c.fired.push(x);
      c.log(formatFault(x));
    }
    // quiescent: nothing in flight; after a fault, what it delayed has had time to land
    await c.pacer.pause();
    await sleep(step.fault ? 1000 : 100);
    last = await checkState(c.check, `checkpoint ${++checkpoints}${step.fault ? ` after FAULT#${step.fault.index + 1}` : ""}`);
    c.pacer.resume();
    c.pacer.stepDone();
  }
  return { checkpoints, ...(last ? { last } : {}) };
}
