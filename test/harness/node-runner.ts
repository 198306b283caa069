/**
 * Registers every `test/suite/*.suite.ts` on node:test (one `describe` per suite file, runtime
 * "node"), with one client transport per test file (test/node/suites*.test.ts). The server is env
 * `NATS_WS_URL` / `NATS_URL` when set (the orchestrator's), else a nats-server started in a `before`
 * hook and stopped in `after`. Optional env `SUITE_FILTER`: a regular expression
 * matched against `suite > test name`.
 *
 * Node 20 needs `--experimental-websocket` for the global WebSocket that nats.ws uses.
 */
import { after, before, describe, test } from "node:test";
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";
import "./node-clients.js"; // registers the v3 TCP client
import { collectTests, runLabel, runTest, suiteName, type LoadedSuite } from "./context.js";
import type { ServerTarget, SuiteModule, Transport } from "./suite.js";
import { startNatsServer, type NatsServer } from "./nats-server.js";

const SUITE_DIR = fileURLToPath(new URL("../suite/", import.meta.url));

/** Suite files, sorted, as absolute paths. */
export function suiteFiles(dir = SUITE_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /\.suite\.ts$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

async function loadSuites(): Promise<LoadedSuite[]> {
  return Promise.all(
    suiteFiles().map(async (file): Promise<LoadedSuite> => {
      const name = suiteName(file);
      try {
        const mod = (await import(pathToFileURL(file).href)) as { default: SuiteModule };
        return { name, module: mod.default };
      } catch (error) {
        return { name, error };
      }
    }),
  );
}

/**
 * Registers every suite on node:test with connections of `transport`, against the orchestrator's server
 * (env `NATS_WS_URL` and `NATS_URL`) or one of the file's own.
 */
export async function registerNodeSuites(transport: Transport): Promise<void> {
  let target: ServerTarget = { ws: process.env.NATS_WS_URL ?? "", tcp: process.env.NATS_URL, transport };
  let server: NatsServer | undefined;
  if (!target.ws || !target.tcp) {
    before(async () => {
      server = await startNatsServer();
      target = { ws: server.url, tcp: server.natsUrl, transport };
    });
    after(async () => {
      await server?.stop();
    });
  }

  const filter = process.env.SUITE_FILTER ? new RegExp(process.env.SUITE_FILTER) : undefined;
  const tests = collectTests(await loadSuites(), "node").filter((t) => !filter || filter.test(`${t.suite} > ${t.name}`));
  const bySuite = new Map<string, typeof tests>();
  for (const t of tests) bySuite.set(t.suite, [...(bySuite.get(t.suite) ?? []), t]);

  const label = runLabel("node", transport);
  for (const [name, cases] of bySuite) {
    describe(`${label} ${name}`, () => {
      for (const tc of cases) {
        // runTest enforces tc.timeoutMs itself and closes connections; node:test's timeout is a backstop.
        test(tc.name, { skip: tc.skip && "not for this runtime", timeout: tc.timeoutMs + 15_000 }, () =>
          runTest(tc, target, "node"),
        );
      }
    });
  }
}
