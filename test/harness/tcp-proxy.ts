/**
 * A TCP proxy on loopback in front of a server, for fault tests: it counts the bytes clients send
 * through it, and can cut every connection at once, or stay down (refusing connections) for a while.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

/** A running proxy. */
export interface TcpProxy {
  /** Port it listens on (127.0.0.1). */
  readonly port: number;
  /** Bytes clients sent upstream through it so far. */
  readonly bytesUp: number;
  /** Connections it accepted so far. */
  readonly connections: number;
  /** Destroys every open connection; new ones are accepted at once. */
  cut(): void;
  /**
   * Silently drops what clients send for `ms`, then cuts every connection: messages sent meanwhile are
   * surely lost, as on a network that died without a reset.
   */
  blackhole(ms: number): Promise<void>;
  /** Destroys every open connection and refuses new ones until {@link up}. */
  down(): void;
  /** Accepts connections again. */
  up(): void;
  /** Stops listening and closes everything. */
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port forwarding to `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let bytesUp = 0;
  let connections = 0;
  let refusing = false;
  let dropping = false;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    connections++;
    const upstream = connect(targetPort, "127.0.0.1");
    open.add(client).add(upstream);
    client.on("data", (d: Buffer) => {
      bytesUp += d.length;
      if (!dropping) upstream.write(d);
    });
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const cutAll = () => { for (const s of open) s.destroy(); open.clear(); };
  return {
    port,
    get bytesUp() { return bytesUp; },
    get connections() { return connections; },
    cut: cutAll,
    async blackhole(ms) {
      dropping = true;
      await new Promise((r) => setTimeout(r, ms));
      cutAll();
      dropping = false;
    },
    down() { refusing = true; cutAll(); },
    up() { refusing = false; },
    close: () => {
      cutAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
