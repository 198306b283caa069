/**
 * Publishes a sequence of messages to one subject with a bounded window of unacknowledged publishes:
 * fast (the network stays busy) and bounded (memory never holds more than the window).
 */
import { AbortedError, type ObjectStoreError } from "../core/errors.js";
import type { JetStreamClient } from "./jetstream.js";

/** Options of a {@link WindowedPublisher}. */
export interface WindowOptions {
  /** Most publishes awaiting their ack at once. */
  window: number;
  /** Prefix of every message id (`<prefix>.<index>`): the server stores a duplicated publish once. */
  msgIdPrefix: string;
  /** Cancels the publishing. */
  signal?: AbortSignal;
}

/**
 * A windowed publisher to one subject. A failed publish is never sent again: with later messages already
 * stored, a re-sent one would land out of order; the first failure fails the whole sequence instead.
 * Not reusable after {@link flush} or an error.
 */
export class WindowedPublisher {
  private inflight = 0;
  private index = 0;
  private failure: ObjectStoreError | undefined;
  private wake: (() => void) | undefined;

  /** @param js the client; @param subject where every message goes; @param opts window and ids */
  constructor(
    private readonly js: JetStreamClient,
    private readonly subject: string,
    private readonly opts: WindowOptions,
  ) {}

  /**
   * Sends one message, first waiting until the window has room. Rejects with the first failure of any
   * earlier publish, so a caller learns of it before sending more.
   */
  async publish(data: Uint8Array): Promise<void> {
    while (this.inflight >= this.opts.window && !this.failure) await this.nextAck();
    this.check();
    const id = `${this.opts.msgIdPrefix}.${this.index++}`;
    this.inflight++;
    this.js.publish(this.subject, data, { msgId: id }, "put chunk").then(
      () => this.settle(undefined),
      (err: ObjectStoreError) => this.settle(err),
    );
  }

  /** Waits for every publish sent so far to be acknowledged; rejects with the first failure. */
  async flush(): Promise<void> {
    while (this.inflight > 0 && !this.failure) await this.nextAck();
    this.check();
  }

  /** Waits for the in-flight publishes to settle, ignoring their outcome (used before cleaning up). */
  async settled(): Promise<void> {
    while (this.inflight > 0) await this.nextAck();
  }

  private settle(err: ObjectStoreError | undefined): void {
    this.inflight--;
    if (err && !this.failure) this.failure = err;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private nextAck(): Promise<void> {
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
