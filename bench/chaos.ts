/**
 * The long chaos campaign of issue #11: at least 10,000 operations and 100 faults on a single server (SIGSTOP,
 * SIGKILL and restart, proxy cuts and black holes) and again on an R3 cluster (a node SIGKILLed and
 * restarted, stalled, connections cut), with a quiescent check of every invariant after each fault and every
 * 100 operations. Prints each campaign's summary and its violations; writes results/chaos.{json,md}; exits
 * non-zero on any violation.
 *
 *   node --experimental-websocket --import tsx bench/chaos.ts [--seed N] [--topology single|cluster|both] [--ops N] [--faults N]
 *   (npm run bench:chaos -- ...; the options of test/chaos/cli.ts, default size long)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runFromArgs } from "../test/chaos/cli.ts";
import { replayCommand, summarize, type CampaignResult } from "../test/chaos/campaign.ts";

const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));

function markdown(results: readonly CampaignResult[]): string {
  const rows = results.map((r) => {
    const kinds = new Map<string, number>();
    for (const f of r.faults) kinds.set(f.planned.kind, (kinds.get(f.planned.kind) ?? 0) + 1);
    return `| ${r.options.topology === "single" ? "single server" : "R3 cluster"} | ${r.serverVersion} | ${r.options.seed} | ` +
      `${r.ops.total} (ok ${r.ops.ok}, failed ${r.ops.fail}, unknown ${r.ops.unknown}) | ${r.faults.length} ` +
      `(${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}) | ${r.checkpoints} | ${r.findings.violations.length} | ` +
      `${(r.ms / 60_000).toFixed(1)} min |`;
  });
  const failing = results.filter((r) => r.findings.violations.length > 0).map((r) => `- \`${replayCommand(r.options)}\``);
  return [
    `# Chaos campaign (${new Date().toISOString()})`,
    "",
    "| topology | nats-server | seed | operations | faults | checkpoints | violations | time |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    ...results.map((r) => `- ${summarize(r)}`),
    ...(failing.length ? ["", "Replay:", ...failing] : []),
    "",
  ].join("\n");
}

try {
  const results = await runFromArgs(process.argv.slice(2), "long");
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, "chaos.md"), markdown(results));
  writeFileSync(join(RESULTS, "chaos.json"), JSON.stringify(results.map((r) => ({
    options: r.options, serverVersion: r.serverVersion, ops: r.ops, checkpoints: r.checkpoints, ms: r.ms,
    faults: r.faults.map((f) => ({ ...f.planned, node: f.node, healthy: f.healthy })),
    violations: r.findings.violations, warnings: r.findings.warnings.length,
  })), null, 2));
  const violations = results.reduce((n, r) => n + r.findings.violations.length, 0);
  console.log(`chaos: ${violations} violations; results in ${join(RESULTS, "chaos.md")}`);
  process.exitCode = violations > 0 ? 1 : 0;
} catch (err) {
  console.error(err);
  process.exitCode = 2;
}
