/**
 * The Worker side of a read lane: runs of chunks read over the Worker's own NATS connection and posted to
 * the page, their bytes transferred. The Worker's thread takes the socket's message events, so the page's
 * thread is left with hashing and handing the body on.
 */
import { ChunkReader } from "../transport/chunk-reader.js";
import type { NatsConnectionLike } from "../transport/connection.js";
import { JetStreamClient } from "../transport/jetstream.js";
import type { FromLane, LanePort, ToLane } from "./lane-port.js";

/** Options of {@link serveReadLane}. */
export interface ServeReadLaneOptions {
  /** The inbox prefix of the Worker's connection, when its permissions need one (default: the connection's). */
  inboxPrefix?: string;
}

/**
 * Serves read runs to the page over `port` (in a Worker: `self`), reading over `nc`. Hand the page's side
 * to a get with `workerLane(worker)`. Returns a function that stops serving and ends the open runs.
 *
 * @example
 * ```ts
 * // read-lane.worker.ts
 * import { wsconnect } from "@nats-io/nats-core";
 * import { serveReadLane } from "nats-objectstore-web";
 * serveReadLane(self, await wsconnect({ servers: "ws://127.0.0.1:9222" }));
 * ```
 */
export function serveReadLane(port: LanePort, nc: NatsConnectionLike, options: ServeReadLaneOptions = {}): () => void {
  const readers = new Map<number, Promise<ChunkReader | undefined>>();
  const clients = new Map<string, JetStreamClient>();
  const post = (m: FromLane, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const clientFor = (prefix: string, timeout: number) => {
    const key = `${prefix} ${timeout}`;
    let js = clients.get(key);
    if (!js) clients.set(key, (js = new JetStreamClient(nc, timeout, prefix, options.inboxPrefix)));
    return js;
  };

  const run = async (o: Extract<ToLane, { t: "lane-open" }>) => {
    const opening = ChunkReader.open(clientFor(o.prefix, o.timeout), o.stream, o.subject, {
      batch: o.count, window: o.count, maxMessages: o.count, ...(o.startSeq === undefined ? {} : { startSeq: o.startSeq }),
    });
    readers.set(o.id, opening.catch(() => undefined));
    try {
      const reader = await opening;
      for (let i = 0; i < o.count; i++) {
        const m = await reader.next();
        if (!m || !readers.has(o.id)) break;
        // a copy into a buffer of its own, so the transfer moves exactly these bytes: a client may hand out
        // views of a larger buffer, and a Node Buffer's slice() is such a view (its transfer would detach the client's pool)
        const data = new Uint8Array(m.data);
        post({ t: "lane-msg", id: o.id, data, seq: m.streamSeq, pending: m.pending }, [data.buffer]);
      }
      post({ t: "lane-end", id: o.id });
    } catch (err) {
      post({ t: "lane-end", id: o.id, error: err instanceof Error ? err.message : String(err) });
    } finally {
      readers.delete(o.id);
      void opening.then((r) => r.close(), () => undefined);
    }
  };

  const stop = (id: number) => {
    const r = readers.get(id);
    readers.delete(id);
    void r?.then((x) => x?.close());
  };

  const onMessage = (e: MessageEvent) => {
    const m = e.data as ToLane | undefined;
    if (m?.t === "lane-open") void run(m);
    else if (m?.t === "lane-close") stop(m.id);
  };
  port.addEventListener("message", onMessage);
  port.start?.();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    port.removeEventListener("message", onMessage);
    post({ t: "lane-gone", id: 0 });
    for (const id of [...readers.keys()]) stop(id);
  };
}
