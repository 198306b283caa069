/**
 * The NATS clients of Node test files: nats.ws, the v3 `wsconnect()` and v3 TCP
 * (`@nats-io/transport-node`), all opened through {@link connectWith}. A file that runs with one client
 * takes it from env `TEST_NATS_CLIENT` (default nats.ws); its v3 twin (`*-v3.test.ts`) sets that and
 * imports the file, so the same tests run over another client in their own process.
 */
import { connect as tcpConnect } from "@nats-io/transport-node";
import { connectWith, registerTcpConnector } from "./context.js";
import { TRANSPORTS, type Transport } from "./suite.js";

registerTcpConnector((opts) => tcpConnect(opts));

/** The client this process's test file connects with (env `TEST_NATS_CLIENT`, default `nats.ws`). */
export function fileClient(): Transport {
  const name = process.env.TEST_NATS_CLIENT ?? "nats.ws";
  if (!(TRANSPORTS as readonly string[]).includes(name)) throw new Error(`TEST_NATS_CLIENT must be one of ${TRANSPORTS.join(", ")}`);
  return name as Transport;
}

/** Runs the test file `file` (a URL relative to the caller) with the client `client`, in this process. */
export async function runFileWith(client: Transport, file: URL): Promise<void> {
  process.env.TEST_NATS_CLIENT = client;
  await import(file.href);
}

export { connectWith };
