/**
 * The portable test contract. A behaviour suite is a module under `test/suite/` whose default export
 * registers tests on a {@link Suite}. Runners for Node (node:test), Deno (Deno.test) and Chromium
 * (a page and a Web Worker driven by Playwright) each supply their own Suite, so one suite runs
 * unchanged in every runtime against the same real nats-server.
 */
import type { ConnectionOptions, NatsConnection } from "nats.ws";

/** Where a test is running. */
export type Runtime = "node" | "deno" | "chromium" | "worker";

/** What every test receives. */
export interface TestContext {
  /** The WebSocket URL of the test server, e.g. `ws://127.0.0.1:4567`. */
  readonly url: string;
  /** The runtime this test runs in. */
  readonly runtime: Runtime;
  /** Opens a connection to the test server; it is closed automatically when the test ends. */
  connect(opts?: Partial<ConnectionOptions>): Promise<NatsConnection>;
  /** A bucket name unique to this run, so tests never collide: `${prefix}_${random}`. */
  bucketName(prefix?: string): string;
}

/** Options of one test. */
export interface TestOptions {
  /** Runtimes to run in; all when omitted. */
  readonly runtimes?: readonly Runtime[];
  /** Time limit in milliseconds (default 60 000). */
  readonly timeoutMs?: number;
}

/** Registers tests. */
export interface Suite {
  test(name: string, fn: (ctx: TestContext) => Promise<void>, opts?: TestOptions): void;
}

/** The shape of a suite module's default export. */
export type SuiteModule = (suite: Suite) => void;
