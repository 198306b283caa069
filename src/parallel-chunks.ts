/**
 * Parallel reads: the chunks of one object read as runs of consecutive stream sequences over several
 * connections at once, and handed on in order. A browser caps each WebSocket (the server sends it 4 KiB
 * messages, each an event), so more sockets can move more bytes.
 *
 * The runs' sequences are a guess: an object's chunks are contiguous in the stream when one writer
 * stored them at a time (the usual case). Every chunk is checked against that guess: a chunk at another
 * sequence means the object's chunks are interleaved with others', and the read goes on with one ordered
 * reader from that chunk. So the bytes handed on are always the subject's messages in stream order,
 * exactly what a single reader gives.
 */
import { ChunkReader, type ReadMessage } from "./transport/chunk-reader.js";
import { JetStreamClient } from "./transport/jetstream.js";
import type { Bucket } from "./bucket.js";
import type { GetOptions } from "./options.js";

/** Bytes of one run of a parallel read; each connection keeps two runs requested. */
const RUN_BYTES = 512 * 1024;

/** What reads the chunks of a get in order: one {@link ChunkReader}, or a {@link ParallelChunkReader}. */
export interface ChunkSource {
  /** The next chunk, or `undefined` once the subject has no more. */
  next(): Promise<ReadMessage | undefined>;
  /** Stops reading and frees the consumers. */
  close(): Promise<void>;
}

/** One run of a parallel read: `count` messages of `subject` from `startSeq` (default: the subject's first). */
export interface RunSpec {
  stream: string;
  subject: string;
  count: number;
  startSeq?: number;
  /** The store's JetStream API prefix (its domain). */
  prefix: string;
  /** Request timeout in ms. */
  timeout: number;
}

/** Something that reads runs: a connection of this thread (see {@link connectionLane}) or a Worker (`workerLane`). */
export interface ChunkLane {
  /** Starts reading a run. */
  openRun(run: RunSpec): Promise<ChunkSource>;
}

/** A lane over a connection of this thread. */
export function connectionLane(js: JetStreamClient): ChunkLane {
  return {
    openRun: (r) => ChunkReader.open(js, r.stream, r.subject, {
      batch: r.count, window: r.count, maxMessages: r.count, ...(r.startSeq === undefined ? {} : { startSeq: r.startSeq }),
    }),
  };
}

/** What a parallel read reads. */
export interface ParallelReadPlan {
  /** The store's own client: it takes over the runs of a lane that failed, and the read when the chunks are not contiguous. */
  own: JetStreamClient;
  /** The lanes that read the runs, in turn. */
  lanes: readonly ChunkLane[];
  stream: string;
  subject: string;
  /** The stream sequence of the first message to read (default: the subject's first). */
  startSeq?: number;
  /** How many messages to read. */
  count: number;
  /** Messages per run. */
  run: number;
  /** Runs requested at once (each requests all its messages): the read-ahead is `runsAhead * run` messages. */
  runsAhead: number;
}

/** One run: its reader (opening), whether the store's own connection reads it, and how many messages it has left. */
interface Run {
  reader: Promise<ChunkSource>;
  own: boolean;
  left: number;
}

/** Reads `count` messages of a subject over several lanes, in stream order. */
export class ParallelChunkReader implements ChunkSource {
  /** Open runs, in order; the first is being read. */
  private runs: Run[] = [];
  /** Index of the next run to open. */
  private opened = 0;
  private readonly runCount: number;
  private readonly ownLane: ChunkLane;
  /** Sequence of the first message (known once it arrived, unless given). */
  private base: number | undefined;
  /** Messages handed on. */
  private taken = 0;
  /** The single ordered reader a read falls back to once the chunks are not contiguous. */
  private fallback: ChunkReader | undefined;
  private closed = false;

  constructor(private readonly plan: ParallelReadPlan) {
    this.runCount = Math.ceil(plan.count / plan.run);
    this.base = plan.startSeq;
    this.ownLane = connectionLane(plan.own);
    this.openRuns();
  }

  async next(): Promise<ReadMessage | undefined> {
    if (this.fallback) return this.fallback.next();
    if (this.closed || this.taken === this.plan.count) return undefined;
    const run = this.runs[0]!;
    const m = await this.read(run);
    if (!m) return undefined;
    if (this.base === undefined) {
      this.base = m.streamSeq;
      this.openRuns();
    }
    const expected = this.base + this.taken;
    this.taken++;
    run.left--;
    if (m.streamSeq !== expected) {
      // not contiguous: m is still the next message on the subject (its run read the subject in order
      // from where the previous run ended), but the runs after it start at wrong sequences
      await this.closeRuns();
      if (this.taken < this.plan.count) {
        const left = this.plan.count - this.taken;
        this.fallback = await ChunkReader.open(this.plan.own, this.plan.stream, this.plan.subject,
          { startSeq: m.streamSeq + 1, maxMessages: left, batch: Math.min(this.plan.run, left), window: this.plan.run * 2 });
      }
      return m;
    }
    if (run.left === 0) {
      this.runs.shift();
      void run.reader.then((r) => r.close(), () => undefined);
      this.openRuns();
    }
    return m;
  }

  /**
   * The next message of `run`. A run whose lane fails (closed connection, a Worker that ended, a
   * consumer lost for good) is read again over the store's own connection from where it stopped.
   */
  private async read(run: Run): Promise<ReadMessage | undefined> {
    try {
      return await (await run.reader).next();
    } catch (err) {
      if (run.own || this.closed) throw err;
      void run.reader.then((r) => r.close(), () => undefined);
      run.own = true;
      run.reader = this.openOn(this.ownLane, this.base === undefined ? undefined : this.base + this.taken, run.left);
      return (await run.reader).next();
    }
  }

  /** Opens runs until `runsAhead` are open (only the first until the first sequence is known). */
  private openRuns(): void {
    const limit = this.base === undefined ? 1 : this.plan.runsAhead;
    while (!this.closed && this.runs.length < limit && this.opened < this.runCount) {
      const i = this.opened++;
      const first = i * this.plan.run;
      const left = Math.min(this.plan.run, this.plan.count - first);
      const lane = this.plan.lanes[i % this.plan.lanes.length]!;
      this.runs.push({ own: false, left, reader: this.openOn(lane, this.base === undefined ? undefined : this.base + first, left) });
    }
  }

  private openOn(lane: ChunkLane, startSeq: number | undefined, count: number): Promise<ChunkSource> {
    const { stream, subject, own } = this.plan;
    const reader = lane.openRun({ stream, subject, count, prefix: own.prefix, timeout: own.timeout, ...(startSeq === undefined ? {} : { startSeq }) });
    reader.catch(() => undefined); // read (and thrown) in order; a failure of a run ahead is not unhandled meanwhile
    return reader;
  }

  private async closeRuns(): Promise<void> {
    const runs = this.runs;
    this.runs = [];
    await Promise.all(runs.map((r) => r.reader.then((x) => x.close(), () => undefined)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeRuns();
    await this.fallback?.close();
  }
}

/** One of the get option `connections`: a connection of this thread or a lane (a Worker's). */
export type ReadConnection = NonNullable<GetOptions["connections"]>[number];

/** True for a lane (it reads runs), false for a NATS connection. */
export function isLane(c: ReadConnection): c is ChunkLane {
  return typeof (c as Partial<ChunkLane>).openRun === "function";
}

/**
 * A reader of `count` chunks over `connections`, runs of about {@link RUN_BYTES} each. Connections of
 * this thread read beside the store's own; lanes in Workers read alone (the store's own connection only
 * takes over from a failed one), since they are there to keep the socket off this thread.
 */
export function parallelReader(
  bucket: Bucket, connections: readonly ReadConnection[], subject: string, count: number, chunkSize: number, startSeq?: number,
): ParallelChunkReader {
  const own = bucket.js;
  const lanes = connections.map((c) => (isLane(c) ? c : connectionLane(new JetStreamClient(c, own.timeout, own.prefix, own.inboxPrefix))));
  if (!connections.every(isLane)) lanes.unshift(connectionLane(own));
  const run = Math.max(1, Math.floor(RUN_BYTES / chunkSize));
  return new ParallelChunkReader({
    own, lanes, stream: bucket.stream, subject, count, run, runsAhead: 2 * lanes.length, ...(startSeq === undefined ? {} : { startSeq }),
  });
}
