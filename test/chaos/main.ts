/**
 * `npm run test:chaos`: the medium chaos campaign (single server, then an R3 cluster) of issue #11; exits
 * non-zero when an invariant was violated. Options: see cli.ts (`--size long` is the benchmark's run).
 *
 *   node --experimental-websocket --import tsx test/chaos/main.ts [--seed N] [--topology single|cluster|both] ...
 */
import { runFromArgs } from "./cli.js";

try {
  const results = await runFromArgs(process.argv.slice(2), "medium");
  const violations = results.reduce((n, r) => n + r.findings.violations.length, 0);
  console.log(`chaos: ${violations} violations`);
  process.exitCode = violations > 0 ? 1 : 0;
} catch (err) {
  console.error(err);
  process.exitCode = 2;
}
