/**
 * The connection events readers, feeds and watchers react to (the connection closing, the client
 * reconnecting), with ONE listener of each kind per connection, shared through a registry that each
 * reader joins while it runs and leaves when it is done. A reader that registered on `nc.closed()`
 * itself would stay reachable from the connection until the connection closes: on a connection kept
 * for days (a Service Worker's, a server's) every get and list would leave its reader behind.
 */
import type { NatsConnectionLike } from "./connection.js";

/** What a member of the registry is told. */
export interface ConnectionListener {
  /** The connection closed (for good: the client gave up reconnecting, or it was closed). */
  onClosed?(): void;
  /** The client reconnected after losing its connection. */
  onReconnect?(): void;
}

/** The members of one connection's registry, and its one closed-listener and one status iterator. */
class ConnectionEvents {
  private readonly members = new Set<ConnectionListener>();
  private watchingStatus = false;

  constructor(private readonly nc: NatsConnectionLike) {
    nc.closed().then(() => this.closed(), () => this.closed());
  }

  join(member: ConnectionListener): () => void {
    if (this.nc.isClosed()) {
      // already closed: tell it at once (asynchronously, as a listener would be)
      queueMicrotask(() => member.onClosed?.());
      return () => undefined;
    }
    this.members.add(member);
    if (member.onReconnect) this.watchStatus();
    return () => {
      this.members.delete(member);
    };
  }

  /** Starts the connection's one status iterator (it ends by itself when the connection closes). */
  private watchStatus(): void {
    if (this.watchingStatus) return;
    this.watchingStatus = true;
    const status = this.nc.status();
    void (async () => {
      try {
        for await (const s of status) {
          if (s.type === "reconnect") this.each((m) => m.onReconnect?.());
        }
      } catch {
        // the connection ended with an error: closed() tells the members
      }
    })();
  }

  private closed(): void {
    this.each((m) => m.onClosed?.());
    this.members.clear();
  }

  /** Calls `fn` on each member (a snapshot: members may leave while being told). */
  private each(fn: (m: ConnectionListener) => void): void {
    for (const m of [...this.members]) {
      try {
        fn(m);
      } catch {
        // one member's failure is its own
      }
    }
  }
}

const registries = new WeakMap<NatsConnectionLike, ConnectionEvents>();

/**
 * Registers `listener` for the events of `nc` until the returned function is called; call it when the
 * reader is done (it is idempotent). After that the connection holds nothing of the listener.
 */
export function onConnectionEvents(nc: NatsConnectionLike, listener: ConnectionListener): () => void {
  let events = registries.get(nc);
  if (!events) {
    events = new ConnectionEvents(nc);
    registries.set(nc, events);
  }
  return events.join(listener);
}
