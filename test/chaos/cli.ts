/**
 * The command line of the chaos campaign (test/chaos/main.ts for `npm run test:chaos`, bench/chaos.ts for
 * the long run):
 *
 *   --size short|medium|long   preset sizes (below); --ops, --faults override them
 *   --clients N (default 6, every other one through a proxy), --names N (default 4: contention)
 *   --topology single|cluster|both   (default both)
 *   --seed N                   (default: a random seed, printed; a failing seed comes with its replay command)
 *   --log-dir DIR              (default: <tmp>/nats-objectstore-chaos)
 *   --mix stop=1,kill=0,cut=0,blackhole=0   the fault mix (default: the topology's, faults.ts)
 *
 * Presets (single server / R3 cluster, operations and faults):
 *   short 300/5 and 200/4 · medium 2000/20 and 1000/10 · long 10000/100 and 10000/100
 */
import { randomInt } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replayCommand, runCampaign, summarize, type CampaignOptions, type CampaignResult } from "./campaign.js";
import type { FaultKind } from "./faults.js";
import type { TopologyKind } from "./topology.js";
import { formatViolation } from "./violations.js";

/** A preset size. */
export type CampaignSize = "short" | "medium" | "long";

const PRESETS: Record<CampaignSize, Record<TopologyKind, { ops: number; faults: number }>> = {
  short: { single: { ops: 300, faults: 5 }, cluster: { ops: 200, faults: 4 } },
  medium: { single: { ops: 2000, faults: 20 }, cluster: { ops: 1000, faults: 10 } },
  long: { single: { ops: 10_000, faults: 100 }, cluster: { ops: 10_000, faults: 100 } },
};

/** Parsed arguments. */
export interface ChaosArgs {
  size: CampaignSize;
  topologies: TopologyKind[];
  seed: number;
  ops?: number;
  faults?: number;
  clients: number;
  names: number;
  logDir: string;
  mix?: Record<FaultKind, number>;
}

function usage(msg: string): never {
  throw new Error(`${msg}\nusage: [--size short|medium|long] [--topology single|cluster|both] [--seed N] [--ops N] ` +
    `[--faults N] [--clients N] [--names N] [--log-dir DIR] [--mix stop=W,kill=W,cut=W,blackhole=W]`);
}

/** Parses the command line (`defaultSize` when none is given). */
export function parseArgs(argv: readonly string[], defaultSize: CampaignSize): ChaosArgs {
  const a: ChaosArgs = {
    size: defaultSize,
    topologies: ["single", "cluster"],
    seed: randomInt(1, 2 ** 31 - 1),
    clients: 6,
    names: 4,
    logDir: join(tmpdir(), "nats-objectstore-chaos"),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i] ?? usage(`${flag} needs a value`);
    const int = () => {
      const n = Number(value());
      if (!Number.isSafeInteger(n) || n < 0) usage(`${flag} needs a whole number`);
      return n;
    };
    switch (flag) {
      case "--size": {
        const v = value();
        if (!(v in PRESETS)) usage(`unknown size ${v}`);
        a.size = v as CampaignSize;
        break;
      }
      case "--topology": {
        const v = value();
        if (v === "both") a.topologies = ["single", "cluster"];
        else if (v === "single" || v === "cluster") a.topologies = [v];
        else usage(`unknown topology ${v}`);
        break;
      }
      case "--seed": a.seed = int(); break;
      case "--ops": a.ops = int(); break;
      case "--faults": a.faults = int(); break;
      case "--clients": a.clients = Math.max(1, int()); break;
      case "--names": a.names = Math.max(2, int()); break;
      case "--log-dir": a.logDir = value(); break;
      case "--mix": a.mix = parseMix(value()); break;
      default: usage(`unknown argument ${flag}`);
    }
  }
  return a;
}

/** `stop=1,kill=2` -> weights of every fault kind (unnamed ones 0). */
function parseMix(text: string): Record<FaultKind, number> {
  const mix: Record<FaultKind, number> = { stop: 0, kill: 0, cut: 0, blackhole: 0 };
  for (const part of text.split(",")) {
    const [k, w] = part.split("=");
    if (!k || !(k in mix) || !Number.isFinite(Number(w)) || Number(w) < 0) usage(`--mix: bad entry ${part}`);
    mix[k as FaultKind] = Number(w);
  }
  if (Object.values(mix).every((w) => w === 0)) usage("--mix: every weight is 0");
  return mix;
}

/** The campaign options of one topology. */
export function optionsFor(a: ChaosArgs, topology: TopologyKind): CampaignOptions {
  const preset = PRESETS[a.size][topology];
  return {
    topology,
    seed: a.seed,
    ops: a.ops ?? preset.ops,
    faults: a.faults ?? preset.faults,
    clients: a.clients,
    names: a.names,
    logPath: join(a.logDir, `chaos-${topology}-${a.seed}.log`),
    ...(a.mix ? { faultWeights: a.mix } : {}),
  };
}

/** Prints a campaign's result: its summary, and for violations each one (with its history) and the replay command. */
export function report(r: CampaignResult, print: (line: string) => void = console.log): void {
  print(summarize(r));
  print(`  log: ${r.options.logPath}`);
  if (r.final) {
    print(`  final: ${r.final.objects} objects, ${r.final.links} links, ${r.final.absent} absent names; ` +
      `orphan purge removed ${r.final.purgedSubjects} subjects (${r.final.purgedMessages} messages)`);
  }
  r.findings.violations.slice(0, 20).forEach((v, i) => formatViolation(v, i, r.findings.repeats(v)).forEach((l) => print(`  ${l}`)));
  if (r.findings.violations.length > 20) print(`  ... ${r.findings.violations.length - 20} more in the log`);
  if (r.findings.violations.length > 0) print(`  FAILING SEED ${r.options.seed}; replay: ${replayCommand(r.options)}`);
}

/** Runs the campaigns the arguments ask for; resolves with the results (also printed). */
export async function runFromArgs(argv: readonly string[], defaultSize: CampaignSize): Promise<CampaignResult[]> {
  const a = parseArgs(argv, defaultSize);
  const results: CampaignResult[] = [];
  for (const t of a.topologies) {
    const o = optionsFor(a, t);
    console.log(`chaos ${t}: seed ${o.seed}, ${o.ops} operations, ${o.faults} faults, ${o.clients} clients, ${o.names} names`);
    const r = await runCampaign(o);
    report(r);
    results.push(r);
  }
  return results;
}
