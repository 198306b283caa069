/**
 * Where the page connects by default: `?server=ws://…` in the page URL, else `VITE_NATS_WS_URL`
 * (set by `npm run demo` for the nats-server it starts), else the last URL used here, else the
 * WebSocket port of nats-server.conf. The first two connect at once.
 */
const STORAGE_KEY = "nats-objectstore-demo.server";

export interface InitialServer {
  url: string;
  autoConnect: boolean;
}

export function initialServer(): InitialServer {
  const fromQuery = new URLSearchParams(location.search).get("server");
  if (fromQuery) return { url: fromQuery, autoConnect: true };
  const fromEnv = import.meta.env.VITE_NATS_WS_URL as string | undefined;
  if (fromEnv) return { url: fromEnv, autoConnect: true };
  return { url: localStorage.getItem(STORAGE_KEY) ?? "ws://127.0.0.1:8080", autoConnect: false };
}

export function rememberServer(url: string): void {
  try {
    localStorage.setItem(STORAGE_KEY, url);
  } catch {
    // storage disabled: nothing to remember
  }
}
