/**
 * Publishes a sequence of messages to one subject with a bounded window of unacknowledged publishes:
 * fast (the network stays busy) and bounded (memory never holds more than the window).
 */
import { chunkMsgId } from "../core/chunk-id.js";
import { AbortedError, IntegrityError, type ObjectStoreError } from "../core/errors.js";
import { AckPipe } from "./ack-pipe.js";
import type { JetStreamClient } from "./jetstream.js";

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
  private wake: (() => void) | undefined;

  private readonly pipe: AckPipe;

  /** @param js the client; @param subject where every message goes; @param opts window and ids */
  constructor(js: JetStreamClient, subject: string, private readonly opts: WindowOptions) {
    this.pipe = new AckPipe(js.nc, subject, js.timeout);
    this.next = opts.firstIndex ?? 0;
    this.ackedPrefix = this.next;
    this.tag = opts.msgIdTag ?? "";
  }

  /** True once {@link resendFrom} has restarted the sequence. */
  get resent(): boolean {
    return this.resends > 0;
  }

  /**
   * Sends one message, first waiting until the window has room. Rejects with the first failure of any
   * earlier publish, so a caller learns of it before sending more (the message is then not sent).
   */
  async publish(data: Uint8Array): Promise<void> {
    while (this.next - this.ackedPrefix >= this.opts.window && !this.failure) await this.nextSettled();
    this.check();
    const index = this.next++;
    this.kept.set(index, data);
    this.send(index, data);
  }

  /** Waits for every publish sent so far to be acknowledged; rejects with the first failure. */
  async flush(): Promise<void> {
    while (this.ackedPrefix < this.next && !this.failure) await this.nextSettled();
    this.check();
  }

  /** Stops listening for acks (publishes still in flight fail). Call once the put is over. */
  close(): void {
    this.pipe.close();
  }

  /** Waits for the in-flight publishes to settle, ignoring their outcome (before recovering or cleaning up). */
  async settled(): Promise<void> {
    while (this.inflight > 0) await this.nextSettled();
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
    for (let index = stored; index < this.next; index++) this.ackedAhead.delete(index);
    this.advancePrefix();
    this.failure = undefined;
    this.tag = `${this.opts.msgIdTag ?? ""}r${++this.resends}`;
    for (let index = stored; index < this.next; index++) this.send(index, this.kept.get(index)!);
  }

  private send(index: number, data: Uint8Array): void {
    this.inflight++;
    this.pipe.send(data, chunkMsgId(this.opts.msgIdPrefix, index, this.tag), (err) => {
      if (!err) {
        this.ackedAhead.add(index);
        this.advancePrefix();
      }
      this.settle(err);
    });
  }

  /** Moves the acknowledged prefix up to the first message still awaiting its ack, letting go of the ones passed. */
  private advancePrefix(): void {
    let p = this.ackedPrefix;
    while (this.ackedAhead.delete(p)) this.kept.delete(p++);
    if (p !== this.ackedPrefix) {
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
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private nextSettled(): Promise<void> {
    return new Promise((resolve) => {
      const prev = this.wake;
      this.wake = () => {
        prev?.();
        resolve();
      };
    });
  }

  private check(): void {
    if (this.opts.signal?.aborted) throw new AbortedError("ABORTED", "put aborted", { cause: this.opts.signal.reason });
    if (this.failure) throw this.failure;
  }
}
