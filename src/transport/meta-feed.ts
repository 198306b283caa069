/**
 * An ordered push consumer over a bucket's meta subjects: the latest meta per name (or all history, or
 * only new ones), then live updates. Flow control is answered only when the reader keeps up, so a slow
 * watcher slows the server down instead of growing a buffer. Gaps and silence replace the consumer.
 */
import { ServerError } from "../core/errors.js";
import { type NatsSubscription, type ReceivedMessage } from "./connection.js";
import { fromNatsError } from "./errors.js";
import { onConnectionEvents } from "./connection-events.js";
import { parseDeliverySubject } from "./delivery-info.js";
import { nanos, type JetStreamClient } from "./jetstream.js";

/** One meta message delivered. */
export interface FeedMessage {
  subject: string;
  data: Uint8Array;
  streamSeq: number;
  time: string;
  /** Messages the consumer had left after this one when it was sent. */
  pending: number;
}

/** Where a feed starts. */
export type FeedStart = "last_per_subject" | "all" | "new";

const HEARTBEAT_MS = 5_000;
const HIGH_WATER = 1024;

/** A live, ordered feed of the messages on one (wildcard) subject. */
export class MetaFeed {
  private queue: FeedMessage[] = [];
  private waiter: (() => void) | undefined;
  private sub: NatsSubscription | undefined;
  private consumer = "";
  private lastStreamSeq = 0;
  private lastDeliverySeq = 0;
  private heldFlowControl: string | undefined;
  private lastActivity = Date.now();
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private error: Error | undefined;
  private resets = 0;
  /** Messages pending when the consumer was created (0: nothing to deliver before live updates). */
  initialPending = 0;
  /** Resolves once every message pending at the start has arrived (queued, maybe not yet read). */
  readonly initialArrived: Promise<void>;
  private markArrived!: () => void;
  private arrived = false;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly filter: string,
    private start: FeedStart,
  ) {
    this.initialArrived = new Promise((r) => (this.markArrived = r));
  }

  /** Opens a feed. */
  static async open(js: JetStreamClient, stream: string, filter: string, start: FeedStart): Promise<MetaFeed> {
    const f = new MetaFeed(js, stream, filter, start);
    await f.startConsumer();
    // a refused subscription is answered before the consumer is created (the server keeps order)
    if (f.error) {
      f.close();
      throw f.error;
    }
    f.initialPending = f.initialPendingOfConsumer;
    if (f.initialPending === 0) f.initialDone();
    f.watchdog = setInterval(() => f.checkAlive(), HEARTBEAT_MS);
    // through the connection's shared registry, which the feed leaves on close: a closed feed (a list
    // done, a watcher stopped) holds nothing on the connection
    f.leaveConnection = onConnectionEvents(js.nc, {
      onClosed: () => {
        if (f.closed) return;
        f.error ??= new ServerError("CONNECTION_CLOSED", "watch: the connection is closed");
        clearInterval(f.watchdog);
        f.waiter?.();
      },
    });
    return f;
  }

  /** Leaves the connection's event registry. */
  private leaveConnection: (() => void) | undefined;

  private initialPendingOfConsumer = 0;

  /** The next message; waits for one. `undefined` once closed. */
  async next(): Promise<FeedMessage | undefined> {
    for (;;) {
      if (this.error) throw this.error;
      const m = this.queue.shift();
      if (m) {
        this.releaseFlowControl();
        return m;
      }
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  private initialDone(): void {
    if (this.arrived) return;
    this.arrived = true;
    this.markArrived();
  }

  /** Stops the feed and deletes its consumer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.leaveConnection?.();
    this.leaveConnection = undefined;
    this.initialDone();
    clearInterval(this.watchdog);
    this.stopConsumer();
    this.waiter?.();
  }

  private async startConsumer(): Promise<void> {
    const inbox = this.js.newInbox();
    this.sub = this.js.nc.subscribe(inbox, {
      // an error here is the server refusing (or ending) the subscription: the feed fails at once
      callback: (err, msg) => (err ? this.fail(fromNatsError(err, "watch")) : this.onMessage(msg)),
    });
    const config: Record<string, unknown> = {
      deliver_subject: inbox,
      ack_policy: "none",
      filter_subject: this.filter,
      flow_control: true,
      idle_heartbeat: nanos(HEARTBEAT_MS),
      mem_storage: true,
      num_replicas: 1,
      ...(this.lastStreamSeq > 0
        ? { deliver_policy: "by_start_sequence", opt_start_seq: this.lastStreamSeq + 1 }
        : { deliver_policy: this.start }),
    };
    try {
      const info = await this.js.api<{ name: string; num_pending: number }>(
        `CONSUMER.CREATE.${this.stream}`, { stream_name: this.stream, config }, "watch");
      this.consumer = info.name;
      this.initialPendingOfConsumer = info.num_pending;
      this.lastDeliverySeq = 0;
      this.lastActivity = Date.now();
    } catch (err) {
      this.sub.unsubscribe();
      throw err;
    }
  }

  private stopConsumer(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    if (this.consumer) {
      const name = this.consumer;
      this.consumer = "";
      this.js.api(`CONSUMER.DELETE.${this.stream}.${name}`, undefined, "stop watch").catch(() => undefined);
    }
  }

  private onMessage(msg: ReceivedMessage): void {
    if (this.closed) return;
    this.lastActivity = Date.now();
    const h = msg.headers;
    const info = parseDeliverySubject(msg.reply);
    if (!info) {
      if (h && h.code === 100) {
        if (msg.reply) this.holdOrAnswer(msg.reply); // flow control request
        const stalled = h.get("Nats-Consumer-Stalled");
        if (stalled) this.js.nc.publish(stalled);
        const last = Number(h.get("Nats-Last-Consumer"));
        if (Number.isFinite(last) && last > this.lastDeliverySeq) void this.reset("missed deliveries");
        else if (!msg.reply && !stalled && !this.heldFlowControl) {
          // an idle heartbeat: the server had nothing to deliver for a whole interval, so every message
          // there was has arrived, even if the last one's pending count said otherwise (nats-server 2.9 can
          // count messages a rollup removed while a list read, and the list then never ended)
          this.initialDone();
        }
      } else if (h && h.code === 409) {
        void this.reset(h.description);
      }
      return;
    }
    if (info.deliverySeq !== this.lastDeliverySeq + 1) {
      void this.reset("gap in deliveries");
      return;
    }
    this.lastDeliverySeq = info.deliverySeq;
    this.lastStreamSeq = info.streamSeq;
    this.resets = 0;
    this.queue.push({ subject: msg.subject, data: msg.data, streamSeq: info.streamSeq, time: info.time, pending: info.pending });
    if (info.pending === 0) this.initialDone();
    this.waiter?.();
  }

  private holdOrAnswer(reply: string): void {
    if (this.queue.length < HIGH_WATER) this.js.nc.publish(reply);
    else this.heldFlowControl = reply;
  }

  private releaseFlowControl(): void {
    if (this.heldFlowControl && this.queue.length < HIGH_WATER / 2) {
      this.js.nc.publish(this.heldFlowControl);
      this.heldFlowControl = undefined;
    }
  }

  private fail(err: Error): void {
    this.error ??= err;
    this.waiter?.();
  }

  private checkAlive(): void {
    if (!this.closed && Date.now() - this.lastActivity > HEARTBEAT_MS * 3) void this.reset("missed heartbeats");
  }

  private resetting = false;

  private async reset(why: string): Promise<void> {
    if (this.resetting || this.closed || this.js.nc.isClosed()) return;
    this.resetting = true;
    try {
      while (!this.closed) {
        if (++this.resets > 10) {
          this.error = new ServerError("TIMEOUT", `watch failed: ${why}`);
          this.waiter?.();
          return;
        }
        this.stopConsumer();
        try {
          await this.startConsumer();
          return;
        } catch (err) {
          why = (err as Error).message;
          await new Promise((r) => setTimeout(r, 500 * this.resets));
        }
      }
    } finally {
      this.resetting = false;
    }
  }
}
