/**
 * Runner-independent plumbing shared by the Node, Deno and browser runners (portable: no Node or
 * Deno APIs). It builds the {@link TestContext} a test receives, runs one test with a time limit and
 * closes every connection the test opened, and turns suite modules into a flat list of tests.
 */
import { connect as natsConnect, type ConnectionOptions, type NatsConnection } from "nats.ws";
import { wsconnect } from "@nats-io/nats-core";
import type { Runtime, ServerTarget, Suite, SuiteModule, TestContext, TestOptions, Transport } from "./suite.js";

/** Opens a v3 TCP connection (`@nats-io/transport-node` `connect`); registered by the Node and Deno runners. */
export type TcpConnector = (opts: Record<string, unknown>) => Promise<unknown>;
let tcpConnector: TcpConnector | undefined;

/** Makes the v3 TCP transport available to {@link createContext} (runtimes with sockets only). */
export function registerTcpConnector(connector: TcpConnector): void {
  tcpConnector = connector;
}

/** A connection made with `transport`, typed as nats.ws's (see {@link TestContext.connect}). */
export async function connectWith(target: ServerTarget, opts?: Partial<ConnectionOptions>): Promise<NatsConnection> {
  const options = { ...opts } as Record<string, unknown>;
  switch (target.transport) {
    case "nats.ws":
      return natsConnect({ servers: target.ws, ...options } as ConnectionOptions);
    case "v3-ws":
      return (await wsconnect({ servers: target.ws, ...options })) as unknown as NatsConnection;
    case "v3-tcp":
      if (!tcpConnector) throw new Error("no TCP transport in this runtime");
      if (!target.tcp) throw new Error("the runner gave no TCP URL of the test server");
      return (await tcpConnector({ servers: target.tcp, ...options })) as NatsConnection;
  }
}

/** `[node]` for nats.ws, `[node v3-tcp]` for the others: the prefix of a runner's test names. */
export function runLabel(runtime: Runtime, transport: Transport): string {
  return transport === "nats.ws" ? `[${runtime}]` : `[${runtime} ${transport}]`;
}

/** Default per-test time limit (see {@link TestOptions.timeoutMs}). */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** One registered test. */
export interface TestCase {
  /** Suite file name without `.suite.ts`, e.g. `smoke`. */
  readonly suite: string;
  readonly name: string;
  readonly fn: (ctx: TestContext) => Promise<void>;
  readonly timeoutMs: number;
  /** True when the test's `runtimes` option excludes the current runtime. */
  readonly skip: boolean;
}

/** A suite module that has (or has not) loaded. */
export type LoadedSuite = { name: string; module: SuiteModule } | { name: string; error: unknown };

/** Collects the tests of the given suites; a suite that failed to load yields one failing test. */
export function collectTests(suites: readonly LoadedSuite[], runtime: Runtime): TestCase[] {
  const out: TestCase[] = [];
  for (const s of suites) {
    if ("error" in s) {
      const error = s.error;
      out.push({
        suite: s.name,
        name: "(load suite)",
        fn: () => Promise.reject(error),
        timeoutMs: DEFAULT_TIMEOUT_MS,
        skip: false,
      });
      continue;
    }
    const suite: Suite = {
      test(name: string, fn: (ctx: TestContext) => Promise<void>, opts?: TestOptions) {
        out.push({
          suite: s.name,
          name,
          fn,
          timeoutMs: opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          skip: opts?.runtimes !== undefined && !opts.runtimes.includes(runtime),
        });
      },
    };
    const register = (s.module as unknown as { default?: SuiteModule }).default ?? s.module;
    try {
      if (typeof register !== "function") throw new Error(`suite ${s.name} has no default export function`);
      register(suite);
    } catch (error) {
      out.push({ suite: s.name, name: "(register suite)", fn: () => Promise.reject(error), timeoutMs: 1, skip: false });
    }
  }
  return out;
}

/** Suite name from a path or file name: `.../smoke.suite.ts` -> `smoke`. */
export function suiteName(path: string): string {
  return path.replace(/^.*[\\/]/, "").replace(/\.suite\.[cm]?[jt]s$/, "");
}

function randomId(): string {
  const b = new Uint8Array(6);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Builds a context; `close()` closes every connection it opened (with a bounded wait). */
export function createContext(target: ServerTarget, runtime: Runtime): { ctx: TestContext; close(): Promise<void> } {
  const conns: NatsConnection[] = [];
  const ctx: TestContext = {
    url: target.ws,
    runtime,
    transport: target.transport,
    async connect(opts?: Partial<ConnectionOptions>) {
      if (target.transport !== "v3-tcp" && typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
        throw new Error("no global WebSocket in this runtime (Node needs --experimental-websocket or Node >= 22)");
      }
      const nc = await connectWith(target, opts);
      conns.push(nc);
      return nc;
    },
    bucketName(prefix = "test") {
      return `${prefix}_${randomId()}`;
    },
  };
  return {
    ctx,
    async close() {
      await Promise.all(
        conns.splice(0).map((nc) =>
          nc.isClosed() ? undefined : withTimeout(nc.close().catch(() => undefined), 5_000, "close").catch(() => undefined),
        ),
      );
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Runs one test against the server `target` (with its transport): rejects with the test's error, or with a timeout error
 * after `timeoutMs`. Connections opened through the context are closed in every case.
 */
export async function runTest(tc: TestCase, target: ServerTarget, runtime: Runtime): Promise<void> {
  const { ctx, close } = createContext(target, runtime);
  try {
    await withTimeout(
      Promise.resolve().then(() => tc.fn(ctx)),
      tc.timeoutMs,
      `test "${tc.name}"`,
    );
  } finally {
    await close();
  }
}

/** `Name: message` of an error, for one-line reports. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${e.message}`;
  return String(e);
}
