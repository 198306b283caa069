/**
 * Deno entry: registers every portable suite in test/suite/ with Deno.test (runtime "deno"), once per
 * client: nats.ws, the v3 `wsconnect()`, and v3 TCP (the Node transport under Deno's Node compatibility).
 * The server URLs come from env NATS_WS_URL (required; test/run-all.ts starts the server) and NATS_URL
 * (TCP; the TCP run is left out without it).
 * Optional env SUITE_FILTER: a regular expression matched against `suite > test name`.
 *
 * Run: NATS_WS_URL=ws://127.0.0.1:PORT npx deno test -A --no-check test/deno/
 * (deno.json at the repo root enables `.js` -> `.ts` "sloppy" imports and the npm node_modules.)
 */
import { connect as tcpConnect } from "@nats-io/transport-node";
import { collectTests, registerTcpConnector, runLabel, runTest, suiteName, type LoadedSuite } from "../harness/context.js";
import { TRANSPORTS, type SuiteModule } from "../harness/suite.js";

declare const Deno: {
  env: { get(name: string): string | undefined };
  readDir(path: string | URL): AsyncIterable<{ name: string; isFile: boolean }>;
  test(def: { name: string; ignore?: boolean; fn: () => Promise<void>; sanitizeOps?: boolean; sanitizeResources?: boolean }): void;
};

const url = Deno.env.get("NATS_WS_URL");
if (!url) throw new Error("NATS_WS_URL is not set: run the Deno tests through test/run-all.ts, or start a server");
const tcp = Deno.env.get("NATS_URL");
// v3 TCP in Deno: the Node transport through Deno's Node compatibility (node:net)
registerTcpConnector((opts) => tcpConnect(opts));

const suiteDir = new URL("../suite/", import.meta.url);
const files: string[] = [];
for await (const e of Deno.readDir(suiteDir)) if (e.isFile && e.name.endsWith(".suite.ts")) files.push(e.name);
files.sort();

const suites: LoadedSuite[] = await Promise.all(
  files.map(async (f): Promise<LoadedSuite> => {
    try {
      const mod = (await import(new URL(f, suiteDir).href)) as { default: SuiteModule };
      return { name: suiteName(f), module: mod.default };
    } catch (error) {
      return { name: suiteName(f), error };
    }
  }),
);

const filterSrc = Deno.env.get("SUITE_FILTER");
const filter = filterSrc ? new RegExp(filterSrc) : undefined;
for (const transport of TRANSPORTS) {
  if (transport === "v3-tcp" && !tcp) continue;
  for (const tc of collectTests(suites, "deno")) {
    if (filter && !filter.test(`${tc.suite} > ${tc.name}`)) continue;
    Deno.test({
      name: `${runLabel("deno", transport)} ${tc.suite} > ${tc.name}`,
      ignore: tc.skip,
      fn: () => runTest(tc, { ws: url, tcp, transport }, "deno"),
    });
  }
}
