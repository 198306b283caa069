/**
 * The NATS clients the demo can connect with: the v3 `wsconnect()` of `@nats-io/nats-core` (the
 * default) or the deprecated nats.ws. The library takes either (`NatsConnectionLike`); each client is
 * imported only when chosen, so the page loads just the one it uses. The Service Worker (sw.ts) opens
 * its own connection with the same client.
 */
import type { NatsConnectionLike } from "nats-objectstore-web";

export type ClientId = "v3" | "nats.ws";

/** The choices, default first, with what the connect panel and the status pill call them. */
export const CLIENTS: readonly { id: ClientId; label: string }[] = [
  { id: "v3", label: "v3 wsconnect" },
  { id: "nats.ws", label: "nats.ws" },
];

export const DEFAULT_CLIENT: ClientId = "v3";

/** `value` as a client id (`undefined` for anything else). */
export function clientId(value: string | null | undefined): ClientId | undefined {
  return CLIENTS.find((c) => c.id === value)?.id;
}

export function clientLabel(id: ClientId): string {
  return CLIENTS.find((c) => c.id === id)?.label ?? id;
}

/** The connection as the demo uses it: what the library needs, plus the server it is connected to. */
export type DemoConnection = NatsConnectionLike & {
  /** `host:port` of the server now connected (both clients have it). */
  getServer(): string;
};

/** The options the demo sets; both clients take them under the same names. */
export interface DemoConnectOptions {
  servers: string | string[];
  name?: string;
  maxReconnectAttempts?: number;
  timeout?: number;
  user?: string;
  pass?: string;
  token?: string;
}

/** Connects with the chosen client. */
export async function connectWith(client: ClientId, opts: DemoConnectOptions): Promise<DemoConnection> {
  if (client === "nats.ws") {
    const { connect } = await import("nats.ws");
    return connect(opts);
  }
  const { wsconnect } = await import("@nats-io/nats-core");
  return wsconnect(opts);
}
