/**
 * Where the page connects by default: `?server=ws://…` in the page URL, else `VITE_NATS_WS_URL`
 * (set by `npm run demo` for the nats-server it starts), else the last URL used here, else the
 * WebSocket port of nats-server.conf. The first two connect at once. The client: `?client=nats.ws`
 * (or `v3`), else the last one used here, else v3 `wsconnect`.
 */
import { clientId, DEFAULT_CLIENT, type ClientId } from "./clients.js";

const STORAGE_KEY = "nats-objectstore-demo.server";
const CLIENT_KEY = "nats-objectstore-demo.client";

export interface InitialServer {
  url: string;
  autoConnect: boolean;
  client: ClientId;
}

export function initialServer(): InitialServer {
  const query = new URLSearchParams(location.search);
  const client = clientId(query.get("client")) ?? clientId(stored(CLIENT_KEY)) ?? DEFAULT_CLIENT;
  const fromQuery = query.get("server");
  if (fromQuery) return { url: fromQuery, autoConnect: true, client };
  const fromEnv = import.meta.env.VITE_NATS_WS_URL as string | undefined;
  if (fromEnv) return { url: fromEnv, autoConnect: true, client };
  return { url: stored(STORAGE_KEY) ?? "ws://127.0.0.1:8080", autoConnect: false, client };
}

/** Remembers the server and client of a successful connect for the next visit. */
export function rememberServer(url: string, client: ClientId): void {
  try {
    localStorage.setItem(STORAGE_KEY, url);
    localStorage.setItem(CLIENT_KEY, client);
  } catch {
    // storage disabled: nothing to remember
  }
}

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
