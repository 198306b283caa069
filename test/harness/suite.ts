/**
 * The portable test contract. A behaviour suite is a module under `test/suite/` whose default export
 * registers tests on a {@link Suite}. Runners for Node (node:test), Deno (Deno.test) and Chromium
 * (a page and a Web Worker driven by Playwright) each supply their own Suite, so one suite runs
 * unchanged in every runtime against the same real nats-server.
 */
import type { ConnectionOptions, NatsConnection } from "nats.ws";

/** Where a test is running. */
export type Runtime = "node" | "deno" | "chromium" | "worker";

/**
 * The client a test's connections are made with: nats.ws, the v3 `wsconnect()` of
 * `@nats-io/nats-core`, or a v3 TCP `connect()` (`@nats-io/transport-node`; Node and Deno only).
 */
export type Transport = "nats.ws" | "v3-ws" | "v3-tcp";

/** Every transport, in the order runners report them. */
export const TRANSPORTS: readonly Transport[] = ["nats.ws", "v3-ws", "v3-tcp"];

/** The test server as a runner hands it on. */
export interface ServerTarget {
  /** Its WebSocket URL. */
  readonly ws: string;
  /** Its TCP URL (`nats://…`), where the runner knows it. */
  readonly tcp?: string | undefined;
  /** The client to connect with. */
  readonly transport: Transport;
}

/** What every test receives. */
export interface TestContext {
  /** The WebSocket URL of the test server, e.g. `ws://127.0.0.1:4567`. */
  readonly url: string;
  /** The runtime this test runs in. */
  readonly runtime: Runtime;
  /** The client {@link connect} uses. */
  readonly transport: Transport;
  /**
   * Opens a connection to the test server with the run's transport; it is closed automatically when the
   * test ends. Typed as nats.ws's connection: suites use only what both client generations share
   * (request, publish, subscribe, flush, info, stats).
   */
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
