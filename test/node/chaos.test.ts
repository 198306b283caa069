/**
 * The short chaos campaign of issue #11 (the medium one is `npm run test:chaos`, the long one
 * `bench/chaos.ts`): several clients put, get, delete, rename, link and update a few names while a single
 * server is stalled, killed and restarted and proxied connections are cut; then the same, shorter, on an
 * R3 cluster with a node killed. Fails on any violated invariant (see test/chaos/checker.ts), printing the
 * seed and the command that replays it. `CHAOS_SEED=N` picks the seed (default: a random one, printed).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { optionsFor, parseArgs, report } from "../chaos/cli.js";
import { runCampaign } from "../chaos/campaign.js";
import type { TopologyKind } from "../chaos/topology.js";

const seed = Number(process.env.CHAOS_SEED) || randomInt(1, 2 ** 31 - 1);
const args = parseArgs(["--size", "short", "--seed", String(seed), "--log-dir", join(tmpdir(), "nats-objectstore-chaos")], "short");

async function campaign(topology: TopologyKind): Promise<void> {
  const o = optionsFor(args, topology);
  const r = await runCampaign(o);
  report(r, (line) => console.log(`# ${line}`));
  assert.equal(r.faults.length, o.faults, "every planned fault was fired");
  assert.ok(r.ops.total >= o.ops, `${r.ops.total} operations ran`);
  assert.ok(r.ops.ok > r.ops.total / 4, `most operations succeed (${r.ops.ok} of ${r.ops.total})`);
  assert.ok(r.checkpoints > o.faults, `a checkpoint after every fault, and the final one (${r.checkpoints})`);
  const listed = r.findings.violations.map((v) => `[${v.kind}] ${v.detail}`).join("\n");
  assert.equal(r.findings.violations.length, 0, `seed ${o.seed}: ${r.findings.violations.length} violations (log ${o.logPath}):\n${listed}`);
}

describe("chaos campaign (short)", () => {
  test(`single server: ${optionsFor(args, "single").ops} operations, ${optionsFor(args, "single").faults} faults (seed ${seed})`, { timeout: 180_000 }, () =>
    campaign("single"));
  test(`R3 cluster: ${optionsFor(args, "cluster").ops} operations, ${optionsFor(args, "cluster").faults} faults (seed ${seed})`, { timeout: 240_000 }, () =>
    campaign("cluster"));
});
