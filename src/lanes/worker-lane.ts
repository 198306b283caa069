/**
 * The page side of a read lane: a get hands runs of its chunks to a Worker that reads them over its own
 * connection (see `serveReadLane`) and receives their bytes by transfer, one message per chunk.
 */
import { ServerError } from "../core/errors.js";
import type { ChunkLane, ChunkSource, RunSpec } from "../parallel-chunks.js";
import type { ReadMessage } from "../transport/chunk-reader.js";
import type { FromLane, LaneMessage, LanePort, ToLane } from "./lane-port.js";

/** One run read in the Worker: the messages arrived and not yet taken, and how it ended. */
class LaneRun implements ChunkSource {
  queue: LaneMessage[] = [];
  ended = false;
  error: string | undefined;
  private waiter: (() => void) | undefined;

  constructor(private readonly lane: WorkerLane, readonly id: number, private readonly idleMs: number) {}

  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async next(): Promise<ReadMessage | undefined> {
    for (;;) {
      const m = this.queue.shift();
      if (m) return { data: m.data, streamSeq: m.seq, pending: m.pending };
      if (this.error !== undefined) throw new ServerError("TIMEOUT", `read lane: ${this.error}`);
      if (this.ended) return undefined;
      // a Worker that ended or hangs says nothing: after idleMs of silence the run fails (and is read elsewhere)
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arrived = await new Promise<boolean>((r) => {
        this.waiter = () => r(true);
        timer = setTimeout(() => r(false), this.idleMs);
      });
      clearTimeout(timer);
      if (!arrived) {
        await this.close();
        throw new ServerError("TIMEOUT", `read lane: nothing for ${this.idleMs} ms`);
      }
    }
  }

  close(): Promise<void> {
    if (!this.ended) this.lane.stop(this.id);
    this.ended = true;
    this.queue = [];
    this.wake();
    return Promise.resolve();
  }
}

/** A read lane in a Worker (made by {@link workerLane}). */
export class WorkerLane implements ChunkLane {
  private readonly runs = new Map<number, LaneRun>();
  private ids = 0;
  /** Set when the Worker said it stopped serving. */
  private gone = false;

  constructor(private readonly port: LanePort, private readonly idleMs = 30_000) {
    port.addEventListener("message", (e) => this.onMessage(e.data as FromLane | undefined));
    port.start?.();
  }

  /** Opens a run: the Worker starts reading at once; its messages queue here (at most `count`). */
  openRun(run: RunSpec): Promise<ChunkSource> {
    if (this.gone) return Promise.reject(new ServerError("CONNECTION_CLOSED", "read lane: the Worker stopped serving"));
    const id = ++this.ids;
    const r = new LaneRun(this, id, this.idleMs);
    this.runs.set(id, r);
    this.post({ t: "lane-open", id, ...run });
    return Promise.resolve(r);
  }

  /** Tells the Worker to stop run `id`. */
  stop(id: number): void {
    if (this.runs.delete(id)) this.post({ t: "lane-close", id });
  }

  private post(m: ToLane): void {
    this.port.postMessage(m, []);
  }

  private onMessage(m: FromLane | undefined): void {
    if (m?.t === "lane-gone") {
      this.gone = true;
      for (const [id, r] of this.runs) {
        r.ended = true;
        r.error = "the Worker stopped serving";
        this.runs.delete(id);
        r.wake();
      }
      return;
    }
    const r = m && this.runs.get(m.id);
    if (!m || !r) return;
    if (m.t === "lane-msg") r.queue.push(m);
    else {
      r.ended = true;
      r.error = m.error;
      this.runs.delete(m.id);
    }
    r.wake();
  }
}

/**
 * A read lane in a Worker, for the get option `connections`: the Worker (running
 * {@link serveReadLane}) takes the socket's message events off this thread.
 *
 * @example
 * ```ts
 * const lane = workerLane(new Worker(new URL("./read-lane.worker.js", import.meta.url), { type: "module" }));
 * const result = await store.get("video.webm", { connections: [lane] });
 * ```
 */
export function workerLane(port: LanePort, options: WorkerLaneOptions = {}): WorkerLane {
  return new WorkerLane(port, options.idleMs);
}

/** Options of {@link workerLane}. */
export interface WorkerLaneOptions {
  /** Silence, in ms, after which a run counts as failed and is read over the store's own connection (default 30 s). */
  idleMs?: number;
}
