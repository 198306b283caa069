/**
 * Opens the connection: `ws://` and `wss://` with nats.ws over the runtime's WebSocket, `nats://` and
 * `tls://` over TCP with the v3 client `@nats-io/transport-node` (an optional dependency, loaded only for
 * them). Deno runs that one too, through its Node compatibility: `@nats-io/transport-deno` is published
 * on JSR only, which an npm install of this package does not reach.
 */
import { connect, credsAuthenticator, nkeyAuthenticator, type Authenticator } from "nats.ws";
import type { NatsConnectionLike } from "../transport/connection.js";
import type { ConnectSettings } from "./connect-settings.js";
import { CliError, EXIT } from "./exit-codes.js";

/** The v3 TCP client's module. */
type TcpTransport = typeof import("@nats-io/transport-node");

/** What both clients take alike (the v3 client's authenticators have the same shape as nats.ws's). */
function commonOptions(s: ConnectSettings) {
  return {
    servers: s.servers,
    name: "natsobj",
    timeout: s.timeoutMs,
    maxReconnectAttempts: 3,
    reconnectTimeWait: 500,
    ...(s.user !== undefined ? { user: s.user, pass: s.password ?? "" } : {}),
    ...(s.token !== undefined ? { token: s.token } : {}),
    ...(s.inboxPrefix !== undefined ? { inboxPrefix: s.inboxPrefix } : {}),
  };
}

/** The authenticator of a creds or nkey file, made by the client's own helpers. */
function fileAuthenticator(
  s: ConnectSettings,
  helpers: { credsAuthenticator(b: Uint8Array): Authenticator; nkeyAuthenticator(b: Uint8Array): Authenticator },
): { authenticator?: Authenticator } {
  const c = s.credential;
  if (!c) return {};
  return { authenticator: c.kind === "creds" ? helpers.credsAuthenticator(c.bytes) : helpers.nkeyAuthenticator(c.bytes) };
}

async function tcpTransport(): Promise<TcpTransport> {
  const id = "@nats-io/transport-node";
  try {
    return (await import(/* @vite-ignore */ id)) as TcpTransport;
  } catch (err) {
    throw new CliError(EXIT.FAILURE, "TRANSPORT_MISSING",
      `nats:// and tls:// need the optional dependency ${id} (npm install ${id}), or use a ws:// URL: ${(err as Error).message}`);
  }
}

/** Opens the connection. Fails fast: no waiting for a server that is not there. */
export async function openConnection(s: ConnectSettings): Promise<NatsConnectionLike> {
  if (s.transport === "websocket") {
    if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
      throw new Error("this runtime has no WebSocket: in Node 20 run with --experimental-websocket (bin/natsobj does)");
    }
    return connect({ ...commonOptions(s), ...fileAuthenticator(s, { credsAuthenticator, nkeyAuthenticator }) });
  }
  const v3 = await tcpTransport();
  const tls = s.tls && {
    ...(s.tls.caFile !== undefined ? { caFile: s.tls.caFile } : {}),
    ...(s.tls.certFile !== undefined ? { certFile: s.tls.certFile } : {}),
    ...(s.tls.keyFile !== undefined ? { keyFile: s.tls.keyFile } : {}),
    ...(s.tls.handshakeFirst ? { handshakeFirst: true } : {}),
  };
  return v3.connect({
    ...commonOptions(s),
    ...fileAuthenticator(s, v3),
    ...(tls ? { tls } : {}),
  });
}
