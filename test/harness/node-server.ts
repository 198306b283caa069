/**
 * For Node-only test files: the orchestrator's server (env NATS_WS_URL / NATS_URL) or one of their own,
 * started on first use and stopped after the file's tests.
 */
import { after } from "node:test";
import { startNatsServer, type NatsServer } from "./nats-server.js";

/** The URLs of the server the tests use. */
export interface ServerUrls {
  /** WebSocket URL. */
  ws: string;
  /** TCP URL. */
  tcp: string;
}

let started: Promise<ServerUrls> | undefined;
let server: NatsServer | undefined;

// registered when this module loads, at the file's top level: a hook added later would bind to a test
after(async () => {
  await server?.stop();
});

/** The test server's URLs: the orchestrator's, or a server of this file's own, started once. */
export function testServer(): Promise<ServerUrls> {
  started ??= (async () => {
    const ws = process.env.NATS_WS_URL ?? "";
    const tcp = process.env.NATS_URL ?? "";
    if (ws && tcp) return { ws, tcp };
    server = await startNatsServer();
    return { ws: server.url, tcp: server.natsUrl };
  })();
  return started;
}

/** A bucket name unique to this run. */
export function uniqueBucket(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
