/**
 * Publishes a sequence of messages to one subject with a bounded window of unacknowledged publishes:
 * fast (the network stays busy) and bounded (memory never holds more than the window). A server that
 * drops publishes because the stream's ingest queue is full (2.11+: 429, err_code 10167) slows it down:
 * it halves its window, backs off, and sends again what was dropped.
 */
import { Wakeup } from "./wakeup.js";
import { chunkMsgId } from "../core/chunk-id.js";
import { AbortedError, IntegrityError, ServerError, type ObjectStoreError } from "../core/errors.js";
import { AckPipe } from "./ack-pipe.js";
import { API_ERR, isTooManyRequests } from "./errors.js";
import type { JetStreamClient } from "./jetstream.js";

/** Throttled rounds in a row that got no further than the one before, after which the publishing fails. */
const MAX_THROTTLE_STALLS = 20;
/** The first back-off after a 429 (ms); it doubles with each round in a row that got no further. */
const FIRST_BACKOFF_MS = 20;
/** The longest back-off (ms). */
const MAX_BACKOFF_MS = 2_000;

/** Options of a {@link WindowedPublisher}. */
export interface WindowOptions {
  /** Most publishes awaiting their ack at once. */
  window: number;
  /** Prefix of every message id (`<prefix>.<index>`): the server stores a duplicated publish once. */
  msgIdPrefix: string;
  /**
   * A tag appended to the ids (`<prefix>.<index>.<tag>`), for a sequence that goes on from an earlier
   * one: the server drops a message whose id it saw in the last minutes, even one since deleted.
   */
  msgIdTag?: string;
  /** Index of the first message (a resumed sequence goes on from where the stored prefix ends). */
  firstIndex?: number;
  /** Called when the run of acknowledged messages from the first one grows: how many there are now. */
  onAcked?: (count: number) => void;
  /** Cancels the publishing. */
  signal?: AbortSignal;
}

/**
 * A windowed publisher to one subject. Each message is kept until its ack arrives. A failed publish is
 * not sent again on its own: with later messages already on their way, a re-sent one could land out of
 * order. The first failure fails the sequence instead, and {@link resendFrom} restarts it once the caller
 * has learnt from the server how long the stored prefix is. Acks arrive on one reply subscription
 * ({@link AckPipe}). Not reusable after {@link close}.
 *
 * The one failure handled here is a publish the server dropped as too many (429): the server says so at
 * once and stores nothing, so the publisher knows exactly what the stream holds. It stops sending, waits
 * for every publish in flight, deletes (by the sequence in their acks) the ones stored past the first
 * dropped one, backs off, halves its window (it grows back by one per window of acks), and sends again
 * from the first dropped one under new ids. {@link resent} is then true: the caller checks the stored run.
 */
export class WindowedPublisher {
  private inflight = 0;
  private next: number;
  /**
   * Every message from the first unacknowledged one on, by index. An acknowledged message past a gap is
   * kept too: it may be deleted as a stray when the put recovers, and then has to be sent again.
   */
  private readonly kept = new Map<number, Uint8Array>();
  /** The indexes acknowledged past the acknowledged prefix. */
  private readonly ackedAhead = new Set<number>();
  /** Every message below this index is acknowledged. */
  private ackedPrefix: number;
  private failure: ObjectStoreError | undefined;
  private tag: string;
  private resends = 0;
  private readonly changed = new Wakeup();
  /** The stream sequence of each message acknowledged past the acknowledged prefix. */
  private readonly seqs = new Map<number, number>();
  /** The messages the server dropped as too many since the last recovery. */
  private readonly dropped = new Set<number>();
  /** True from the first dropped message until the ones to send again are on their way. */
  private recovering = false;
  /** The window in force: {@link WindowOptions.window}, less after the server dropped messages. */
  private limit: number;
  /** Acks counted towards growing {@link limit} by one. */
  private credit = 0;
  private throttleStalls = 0;
  private lastDropped = -1;
  private throttles = 0;
  private closed = false;

  private readonly pipe: AckPipe;

  /** @param js the client; @param subject where every message goes; @param opts window and ids */
  constructor(private readonly js: JetStreamClient, subject: string, private readonly opts: WindowOptions) {
    this.pipe = new AckPipe(js.nc, subject, js.timeout, js.newInbox());
    this.next = opts.firstIndex ?? 0;
    this.ackedPrefix = this.next;
    this.tag = opts.msgIdTag ?? "";
    this.limit = Math.max(1, opts.window);
  }

  /** True once the sequence was restarted ({@link resendFrom}, or after the server dropped messages). */
  get resent(): boolean {
    return this.resends > 0;
  }

  /** How many times the server dropped publishes as too many (429) and the publisher backed off. */
  get throttled(): number {
    return this.throttles;
  }

  /**
   * Sends one message, first waiting until the window has room. Rejects with the first failure of any
   * earlier publish, so a caller learns of it before sending more (the message is then not sent).
   */
  async publish(data: Uint8Array): Promise<void> {
    while ((this.next - this.ackedPrefix >= this.limit || this.recovering) && !this.failure) await this.changed.next();
    this.check();
    const index = this.next++;
    this.kept.set(index, data);
    this.send(index, data);
  }

  /** Waits for every publish sent so far to be acknowledged; rejects with the first failure. */
  async flush(): Promise<void> {
    while (this.ackedPrefix < this.next && !this.failure) await this.changed.next();
    this.check();
  }

  /** Stops listening for acks (publishes still in flight fail). Call once the put is over. */
  close(): void {
    this.closed = true;
    this.pipe.close();
  }

  /**
   * Waits for the in-flight publishes to settle and for a recovery from dropped messages to end,
   * ignoring their outcome (before recovering or cleaning up).
   */
  async settled(): Promise<void> {
    while (this.inflight > 0 || this.recovering) await this.changed.next();
  }

  /**
   * After a failure, once every publish has settled: the server holds the first `stored` messages, so
   * the kept ones from there on are sent again (under new ids: the old ones may have been stored and
   * then deleted past a gap) and the sequence goes on. Throws
   * `CHUNK_COUNT_MISMATCH` when a message the server lacks is no longer kept (it lost an acknowledged one).
   */
  resendFrom(stored: number): void {
    if (this.inflight > 0) throw new Error("resendFrom while publishes are in flight");
    if (stored < this.ackedPrefix || stored > this.next) {
      throw new IntegrityError("CHUNK_COUNT_MISMATCH",
        `the server holds ${stored} chunks; ${this.ackedPrefix} were acknowledged and ${this.next} sent`);
    }
    for (let index = this.ackedPrefix; index < stored; index++) this.ackedAhead.add(index);
    for (let index = stored; index < this.next; index++) {
      this.ackedAhead.delete(index);
      this.seqs.delete(index);
    }
    this.dropped.clear();
    this.advancePrefix();
    this.failure = undefined;
    this.tag = `${this.opts.msgIdTag ?? ""}r${++this.resends}`;
    for (let index = stored; index < this.next; index++) this.send(index, this.kept.get(index)!);
  }

  private send(index: number, data: Uint8Array): void {
    this.inflight++;
    this.pipe.send(data, chunkMsgId(this.opts.msgIdPrefix, index, this.tag), (err, seq) => {
      if (!err) {
        this.ackedAhead.add(index);
        if (seq) this.seqs.set(index, seq);
        this.advancePrefix();
      } else if (isTooManyRequests(err) && !this.closed) {
        this.dropped.add(index);
        this.recovering = true;
        err = undefined;
      }
      this.settle(err);
      if (this.inflight === 0 && this.dropped.size > 0) void this.recoverDropped();
    });
  }

  /**
   * Once every publish has settled after the server dropped some: deletes the ones stored past the first
   * dropped one, backs off, narrows the window and sends again from the first dropped one.
   */
  private async recoverDropped(): Promise<void> {
    const first = Math.min(...this.dropped);
    this.dropped.clear();
    this.throttles++;
    this.throttleStalls = first > this.lastDropped ? 0 : this.throttleStalls + 1;
    this.lastDropped = first;
    try {
      if (this.throttleStalls >= MAX_THROTTLE_STALLS) {
        this.failure ??= new ServerError("SERVER_ERROR",
          `put chunk: the server dropped the same chunk as too many requests ${MAX_THROTTLE_STALLS} times in a row`,
          { cause: { code: 429, err_code: API_ERR.tooManyRequests } });
        return;
      }
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.credit = 0;
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** this.throttleStalls);
      await new Promise((r) => setTimeout(r, backoff * (0.5 + Math.random() / 2)));
      const strays = [...this.seqs].filter(([index]) => index > first).map(([, seq]) => seq);
      const stream = this.pipe.stream;
      if (strays.length > 0 && !stream) throw new IntegrityError("CHUNK_COUNT_MISMATCH", "put chunk: stored chunks of an unknown stream");
      for (const seq of strays) await this.js.deleteMessage(stream!, seq, "drop chunks stored past a dropped one");
      if (this.failure || this.closed || this.opts.signal?.aborted) return;
      this.resendFrom(first);
    } catch (err) {
      this.failure ??= err as ObjectStoreError;
    } finally {
      this.recovering = false;
      this.changed.notify();
    }
  }

  /** Moves the acknowledged prefix up to the first message still awaiting its ack, letting go of the ones passed. */
  private advancePrefix(): void {
    let p = this.ackedPrefix;
    while (this.ackedAhead.delete(p)) {
      this.seqs.delete(p);
      this.kept.delete(p++);
    }
    if (p !== this.ackedPrefix) {
      this.credit += p - this.ackedPrefix;
      while (this.limit < this.opts.window && this.credit >= this.limit) {
        this.credit -= this.limit;
        this.limit++;
      }
      this.ackedPrefix = p;
      try {
        this.opts.onAcked?.(p);
      } catch {
        // an observer's failure must not stall the acks
      }
    }
  }

  private settle(err: ObjectStoreError | undefined): void {
    this.inflight--;
    if (err && !this.failure) this.failure = err;
    this.changed.notify();
  }



  private check(): void {
    if (this.opts.signal?.aborted) throw new AbortedError("ABORTED", "put aborted", { cause: this.opts.signal.reason });
    if (this.failure) throw this.failure;
  }
}
