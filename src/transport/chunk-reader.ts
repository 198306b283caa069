/**
 * Reads the messages of one subject in stream order with a pull consumer, requesting only as many as
 * the reader has room for: real backpressure, bounded memory. A lost consumer (server restart,
 * gap in deliveries, silence) is replaced from the last sequence received, so a read survives faults.
 */
import { ServerError } from "../core/errors.js";
import { type NatsSubscription, type ReceivedHeaders, type ReceivedMessage } from "./connection.js";
import { fromNatsError } from "./errors.js";
import { onConnectionEvents } from "./connection-events.js";
import { parseDeliverySubject } from "./delivery-info.js";
import { nanos, type JetStreamClient } from "./jetstream.js";

/** One message read. */
export interface ReadMessage {
  data: Uint8Array;
  streamSeq: number;
  /** Messages on the subject after this one. */
  pending: number;
  /** Headers, when the consumer delivers them. */
  headers?: ReceivedHeaders | undefined;
}

/** What a headers-only pass gives of one message (see {@link ChunkReader.headers}). */
export interface ChunkHeaders {
  /** Stream sequence. */
  seq: number;
  /** `Nats-Msg-Id`, when it has one. */
  msgId: string | undefined;
  /** Payload size in bytes. */
  size: number;
}

/** Options of a {@link ChunkReader}. */
export interface ChunkReaderOptions {
  /** Messages asked for in one pull request. */
  batch: number;
  /** Most messages requested but not yet taken by the reader. */
  window: number;
  /** The stream sequence to start at (default: the first). */
  startSeq?: number;
  /** Deliver headers only (payload sizes in `Nats-Msg-Size`). */
  headersOnly?: boolean;
  /** Never request more than this many messages in all (a range read knows how many chunks it needs). */
  maxMessages?: number;
  /** Silence, in ms, after which the consumer is replaced. */
  idleMs?: number;
  /** How many times in a row a consumer may be replaced before the read fails. */
  maxResets?: number;
}

const enc = new TextEncoder();

/** An ordered, flow-controlled reader of one subject of a stream. */
export class ChunkReader {
  private queue: ReadMessage[] = [];
  private requested = 0;
  private received = 0;
  private lastStreamSeq = 0;
  private lastDeliverySeq = 0;
  private consumer = "";
  private sub: NatsSubscription | undefined;
  private inbox = "";
  private waiter: (() => void) | undefined;
  private error: Error | undefined;
  private closed = false;
  private resets = 0;
  private exhausted = false;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly subject: string,
    private readonly opts: Required<Omit<ChunkReaderOptions, "startSeq" | "maxMessages">> & { startSeq?: number; maxMessages?: number },
  ) {}

  /** Opens a reader on `subject` of `stream`. */
  static async open(js: JetStreamClient, stream: string, subject: string, opts: ChunkReaderOptions): Promise<ChunkReader> {
    const r = new ChunkReader(js, stream, subject, {
      idleMs: 5_000,
      maxResets: 5,
      headersOnly: false,
      ...opts,
    });
    if (opts.startSeq) r.lastStreamSeq = opts.startSeq - 1;
    r.watchConnection();
    try {
      try {
        await r.startConsumer();
      } catch (err) {
        // a consumer placed on a dead cluster node never answers: a new attempt is placed afresh
        if (!(err instanceof ServerError && err.code === "TIMEOUT")) throw err;
        await r.reset((err as Error).message);
        if (r.error) throw r.error;
      }
    } catch (err) {
      await r.close();
      throw err;
    }
    return r;
  }

  /**
   * The headers of every message on `subject`, in order, without payloads: its stream sequence, its
   * `Nats-Msg-Id` and its payload size (NaN when the server did not say). Leaving the loop early closes
   * the reader.
   */
  static async *headers(js: JetStreamClient, stream: string, subject: string): AsyncGenerator<ChunkHeaders> {
    const reader = await ChunkReader.open(js, stream, subject, { batch: 1024, window: 2048, headersOnly: true });
    try {
      for (let m = await reader.next(); m; m = await reader.next()) {
        yield { seq: m.streamSeq, msgId: m.headers?.get("Nats-Msg-Id"), size: Number(m.headers?.get("Nats-Msg-Size") ?? NaN) };
      }
    } finally {
      await reader.close();
    }
  }

  /** The next message, or `undefined` once the subject has no more. */
  async next(): Promise<ReadMessage | undefined> {
    for (;;) {
      if (this.error) throw this.error;
      const m = this.queue.shift();
      if (m) {
        this.refill();
        return m;
      }
      if (this.exhausted || this.closed) return undefined;
      this.refill();
      const arrived = await this.waitForMessage();
      if (!arrived) await this.reset("no deliveries");
    }
  }

  /** Leaves the connection's event registry (see {@link watchConnection}). */
  private leaveConnection: (() => void) | undefined;

  /**
   * A closed connection fails the read; a reconnect replaces the consumer at once (deliveries sent while
   * the client was away are lost), rather than after `idleMs` of silence. Through the connection's shared
   * registry, which the reader leaves on close: a finished reader holds nothing on the connection.
   */
  private watchConnection(): void {
    this.leaveConnection = onConnectionEvents(this.js.nc, {
      onClosed: () => {
        if (!this.closed) this.fail(new ServerError("CONNECTION_CLOSED", `reading ${this.subject}: the connection is closed`));
      },
      onReconnect: () => {
        if (!this.closed) void this.reset("reconnected").catch((err: Error) => this.fail(err));
      },
    });
  }

  /** Stops reading and deletes the consumer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leaveConnection?.();
    this.leaveConnection = undefined;
    this.queue = [];
    this.stopConsumer();
    this.waiter?.();
  }

  private async startConsumer(): Promise<void> {
    this.inbox = this.js.newInbox();
    this.sub = this.js.nc.subscribe(this.inbox, {
      // an error here is the server refusing (or ending) the subscription: the read fails at once
      callback: (err, msg) => (err ? this.fail(fromNatsError(err, `reading ${this.subject}`)) : this.onMessage(msg)),
    });
    const start = this.lastStreamSeq + 1;
    const config: Record<string, unknown> = {
      ack_policy: "none",
      filter_subject: this.subject,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(30_000),
      headers_only: this.opts.headersOnly || undefined,
      ...(start > 1 ? { deliver_policy: "by_start_sequence", opt_start_seq: start } : { deliver_policy: "all" }),
    };
    const info = await this.js.api<{ name: string; num_pending: number }>(
      `CONSUMER.CREATE.${this.stream}`, { stream_name: this.stream, config }, "read object");
    this.consumer = info.name;
    this.requested = this.received;
    this.lastDeliverySeq = 0;
    if (info.num_pending === 0) this.exhausted = true;
  }

  private stopConsumer(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    if (this.consumer) {
      const name = this.consumer;
      this.consumer = "";
      this.js.api(`CONSUMER.DELETE.${this.stream}.${name}`, undefined, "delete consumer").catch(() => undefined);
    }
  }

  private refill(): void {
    if (this.exhausted || this.closed || !this.consumer) return;
    const ahead = this.requested - this.received + this.queue.length;
    const room = Math.min(this.opts.window - ahead, (this.opts.maxMessages ?? Infinity) - this.requested);
    if (room <= 0 || (room < Math.min(this.opts.batch, this.opts.window) && this.requested + room !== this.opts.maxMessages)) return;
    const batch = Math.min(this.opts.batch, room);
    this.requested += batch;
    this.js.nc.publish(
      `${this.js.prefix}.CONSUMER.MSG.NEXT.${this.stream}.${this.consumer}`,
      enc.encode(JSON.stringify({ batch, expires: nanos(this.opts.idleMs * 3) })),
      { reply: this.inbox },
    );
  }

  private onMessage(msg: ReceivedMessage): void {
    if (this.closed) return;
    const h = msg.headers;
    const info = parseDeliverySubject(msg.reply);
    if (!info) {
      if (h && (h.code === 408 || h.code === 404)) {
        // a pull request ended before it was filled: forget what it would have brought
        const left = Number(h.get("Nats-Pending-Messages"));
        this.requested -= Number.isFinite(left) && left > 0 ? left : 0;
        if (h.code === 404) this.exhausted = this.queue.length === 0 && this.requested === this.received;
        this.wakeUp();
      } else if (h && h.code === 409) {
        // the consumer went away or changed (server restart, leadership change): start a new one
        void this.reset(h.description).catch((err: Error) => this.fail(err));
      }
      return;
    }
    if (info.deliverySeq !== this.lastDeliverySeq + 1) {
      void this.reset("gap in deliveries").catch((err: Error) => this.fail(err));
      return;
    }
    this.lastDeliverySeq = info.deliverySeq;
    this.lastStreamSeq = info.streamSeq;
    this.received++;
    this.resets = 0;
    if (info.pending === 0) this.exhausted = true;
    this.queue.push({ data: msg.data, streamSeq: info.streamSeq, pending: info.pending, headers: h });
    this.wakeUp();
  }

  private waitForMessage(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, this.opts.idleMs);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(true);
      };
    });
  }

  private wakeUp(): void {
    this.waiter?.();
  }

  private fail(err: Error): void {
    this.error ??= err;
    this.wakeUp();
  }

  private resetting: Promise<void> | undefined;

  private reset(why: string): Promise<void> {
    this.resetting ??= (async () => {
      try {
        for (;;) {
          if (this.closed || this.js.nc.isClosed()) return;
          if (++this.resets > this.opts.maxResets) {
            throw new ServerError("TIMEOUT", `reading ${this.subject} failed: ${why}`);
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
        this.resetting = undefined;
        this.wakeUp();
      }
    })();
    return this.resetting;
  }
}
