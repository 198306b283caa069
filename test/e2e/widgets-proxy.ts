/**
 * A loopback TCP relay in front of the nats-server's WebSocket port for the widget tests: it passes
 * what the page sends at a set rate (so an upload of a few MiB lasts long enough to pause, cancel,
 * cut or reload it midway), counts those bytes, and can refuse connections for a while.
 */
import { createServer, connect, type Socket } from "node:net";

/** The running relay. */
export interface PacedRelay {
  /** `ws://127.0.0.1:PORT`: give it to the page as its server. */
  readonly url: string;
  /** Bytes the page sent through it so far. */
  readonly bytesUp: number;
  /** Bytes per second passed upstream (all connections together); `Infinity`: no pacing. */
  rate: number;
  /** Drops every connection and refuses new ones until {@link accept}. */
  refuse(): void;
  /** Takes connections again. */
  accept(): void;
  close(): Promise<void>;
}

/** Starts a relay to `127.0.0.1:targetPort`, passing at most `rate` bytes a second upstream. */
export async function startPacedRelay(targetPort: number, rate: number): Promise<PacedRelay> {
  const sockets = new Set<Socket>();
  let bytesUp = 0;
  let refusing = false;
  /** When the pacing allows the next byte to go. */
  let nextFree = 0;
  const relay: PacedRelay = {
    url: "",
    get bytesUp() { return bytesUp; },
    rate,
    refuse() {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    accept() { refusing = false; },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server = createServer((page) => {
    if (refusing) return void page.destroy();
    const nats = connect(targetPort, "127.0.0.1");
    sockets.add(page).add(nats);
    const end = () => {
      for (const s of [page, nats]) {
        s.destroy();
        sockets.delete(s);
      }
    };
    page.on("error", end).on("close", end);
    nats.on("error", end).on("close", end);
    nats.pipe(page);
    page.on("data", (d: Buffer) => {
      bytesUp += d.length;
      if (!Number.isFinite(relay.rate)) return void nats.write(d);
      // hold the page's socket until the pacing catches up: TCP back-pressure slows the page down
      const now = Date.now();
      nextFree = Math.max(nextFree, now) + (d.length / relay.rate) * 1000;
      nats.write(d);
      const wait = nextFree - now;
      if (wait > 5) {
        page.pause();
        setTimeout(() => page.resume(), wait);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  Object.defineProperty(relay, "url", { value: `ws://127.0.0.1:${(server.address() as { port: number }).port}` });
  return relay;
}
