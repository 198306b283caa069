/**
 * Publishes a put's chunks as a fast batch (ADR-50; nats-server 2.14+, API level 4, streams with
 * `allow_batched`): every chunk's reply subject names the batch, its sequence in the batch and the
 * operation (`<inbox>.<batch>.<flow>.fail.<seq>.<op>.$FI`), and the server acknowledges only every N
 * stored chunks (a flow ack `{"type":"ack","seq":N,"msgs":M}`), then the whole batch once it is committed
 * with an end-of-batch message (a PubAck with `batch` and `count`). Far fewer acks than one per chunk.
 *
 * Fast batches are not atomic: every chunk is stored as it arrives, and a batch that hits a gap (a chunk
 * the server dropped, e.g. for a full ingest queue) ends there, its PubAck saying how many were stored.
 * The publisher then backs off and goes on from there in a new batch, under new message ids; the caller
 * sees {@link resent} and checks the stored run, and purges the chunks when the put fails, as for the
 * {@link WindowedPublisher}, whose interface this class has.
 */
import { type NatsSubscription, type ReceivedMessage } from "./connection.js";
import { wireHeaders } from "./wire-headers.js";
import { Wakeup } from "./wakeup.js";
import { chunkMsgId } from "../core/chunk-id.js";
import { newNuid } from "../core/nuid.js";
import { AbortedError, IntegrityError, ServerError, type ObjectStoreError } from "../core/errors.js";
import { API_ERR, fromApiError, fromNatsError, isTooManyRequests, type ApiErrorBody } from "./errors.js";
import type { JetStreamClient } from "./jetstream.js";
import type { WindowOptions } from "./windowed-publisher.js";

const OP_START = 0;
const OP_APPEND = 1;
const OP_COMMIT_EOB = 3;
const OP_PING = 4;
/** Batches in a row that ended early without storing more, after which the publishing fails. */
const MAX_STALLS = 20;
const FIRST_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 2_000;
const dec = new TextDecoder();

/** One fast batch: the chunks from `first` on, `sent` of them sent, `acked` stored (by flow acks). */
interface Batch {
  id: string;
  /** The chunk index of the batch's sequence 1. */
  first: number;
  sent: number;
  acked: number;
  /** The flow the server asks for: an ack every `msgs` stored chunks. */
  msgs: number;
  /** Set once the end-of-batch message is sent. */
  committed?: boolean;
  /** Set once the server ended the batch (or the publisher gave it up): how many chunks it stored. */
  count?: number;
  /** Pings sent to make the server end a batch that went wrong (repeated while they are dropped too). */
  pinger?: ReturnType<typeof setInterval>;
  /** The first error the server replied with in this batch. */
  error?: ObjectStoreError;
}

/** A fast-batch publisher to one subject, with the interface of the {@link WindowedPublisher}. */
export class FastBatchPublisher {
  private readonly inbox: string;
  private readonly sub: NatsSubscription;
  private batch: Batch | undefined;
  /** Chunk index of the next chunk to send. */
  private next: number;
  /** Every chunk below this index is stored. */
  private ackedPrefix: number;
  private readonly kept = new Map<number, Uint8Array>();
  private failure: ObjectStoreError | undefined;
  private tag: string;
  private resends = 0;
  private throttles = 0;
  private stalls = 0;
  private lastRecoveredFrom = -1;
  /** The flow asked of the server for new batches (an ack every `flow` chunks): halved when chunks are dropped. */
  private flow: number;
  private recovering = false;
  private closed = false;
  private readonly changed = new Wakeup();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** @param js the client; @param subject where every chunk goes; @param opts window and ids (as the windowed publisher's) */
  constructor(private readonly js: JetStreamClient, private readonly subject: string, private readonly opts: WindowOptions) {
    this.next = opts.firstIndex ?? 0;
    this.ackedPrefix = this.next;
    this.tag = opts.msgIdTag ?? "";
    this.flow = Math.max(1, opts.window);
    this.inbox = js.newInbox();
    this.sub = js.nc.subscribe(`${this.inbox}.>`, {
      // an error here is the server refusing (or ending) the reply subscription: the put fails at once
      callback: (err, m) => (err ? this.fail(fromNatsError(err, "put chunk")) : this.onReply(m)),
    });
  }

  /** True once the sequence was restarted (after a batch ended early, or by {@link resendFrom}). */
  get resent(): boolean {
    return this.resends > 0;
  }

  /** How many batches the server ended early (a dropped chunk) and the publisher backed off. */
  get throttled(): number {
    return this.throttles;
  }

  /** Sends one chunk, first waiting until the flow allows it. Rejects with the first failure. */
  async publish(data: Uint8Array): Promise<void> {
    while (!this.failure && (this.recovering || this.outstanding() >= this.allowed())) await this.changed.next();
    this.check();
    const index = this.next++;
    this.kept.set(index, data);
    this.send(index, data);
  }

  /** Commits the batch and waits for the server to store every chunk; rejects with the first failure. */
  async flush(): Promise<void> {
    for (;;) {
      while (!this.failure && this.recovering) await this.changed.next();
      this.check();
      const b = this.batch;
      const open = b !== undefined && b.count === undefined;
      if (this.ackedPrefix >= this.next && !open) return;
      // commit once every chunk is sent: the server answers with the batch's PubAck (and frees the batch)
      if (b && open && !b.committed && b.sent === this.next - b.first) this.commit(b);
      await this.changed.next();
    }
  }

  /** Waits until nothing is in flight or being recovered (before recovering or cleaning up). */
  async settled(): Promise<void> {
    while (this.recovering || (this.batch && this.batch.count === undefined && this.batch.sent > this.batch.acked && !this.failure)) {
      await this.changed.next();
    }
  }

  /** Stops listening (a batch still open is left to the server's clean-up). Call once the put is over. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.sub.unsubscribe();
    this.failure ??= new ServerError("CONNECTION_CLOSED", "put chunk: the publisher is closed");
    this.changed.notify();
  }

  /**
   * After a failure: the server holds the first `stored` chunks, so the kept ones from there on are sent
   * again in a new batch under new ids. Throws `CHUNK_COUNT_MISMATCH` when a chunk the server lacks is no
   * longer kept.
   */
  resendFrom(stored: number): void {
    if (stored < this.ackedPrefix || stored > this.next) {
      throw new IntegrityError("CHUNK_COUNT_MISMATCH",
        `the server holds ${stored} chunks; ${this.ackedPrefix} were acknowledged and ${this.next} sent`);
    }
    this.advanceTo(stored);
    this.failure = undefined;
    this.restartFrom(stored);
  }

  private outstanding(): number {
    const b = this.batch;
    return b ? b.sent - b.acked : 0;
  }

  /** Chunks that may be unacknowledged at once: two flow windows (our window before the server says). */
  private allowed(): number {
    const b = this.batch;
    return Math.max(1, b && b.msgs > 0 ? 2 * b.msgs : this.flow);
  }

  private send(index: number, data: Uint8Array): void {
    let b = this.batch;
    if (!b || b.committed || b.count !== undefined) {
      b = { id: newNuid(), first: index, sent: 0, acked: 0, msgs: 0 };
      this.batch = b;
    }
    const seq = ++b.sent;
    const h = wireHeaders({ "Nats-Msg-Id": chunkMsgId(this.opts.msgIdPrefix, index, this.tag) });
    this.armTimer();
    try {
      this.js.nc.publish(this.subject, data, { headers: h, reply: this.replyFor(b, seq, seq === 1 ? OP_START : OP_APPEND) });
    } catch (err) {
      this.fail(new ServerError("CONNECTION_CLOSED", `put chunk: ${(err as Error).message}`, { cause: err }));
    }
  }

  /** Ends the batch with an end-of-batch message (not stored); the server answers with a PubAck. */
  private commit(b: Batch): void {
    this.armTimer();
    try {
      this.js.nc.publish(this.subject, new Uint8Array(0), { reply: this.replyFor(b, b.sent + 1, OP_COMMIT_EOB) });
    } catch (err) {
      this.fail(new ServerError("CONNECTION_CLOSED", `put chunk: ${(err as Error).message}`, { cause: err }));
    }
    b.committed = true;
  }

  /**
   * Asks the server where batch `b` stands, now and every 250 ms until the batch is over (a ping may be
   * dropped too): past a dropped chunk the server sees a gap, ends the batch and sends its PubAck.
   */
  private ping(b: Batch): void {
    if (b.pinger) return;
    const once = () => {
      if (b.count !== undefined || this.batch !== b || this.closed) return clearInterval(b.pinger);
      try {
        this.js.nc.publish(this.subject, new Uint8Array(0), { reply: this.replyFor(b, b.sent, OP_PING) });
      } catch {
        // the connection is gone: the timeout reports it
      }
    };
    b.pinger = setInterval(once, 250);
    once();
  }

  private replyFor(b: Batch, seq: number, op: number): string {
    return `${this.inbox}.${b.id}.${this.flow}.fail.${seq}.${op}.$FI`;
  }

  /** A flow ack, a gap report, an error or the batch's PubAck. */
  private onReply(m: ReceivedMessage): void {
    const id = m.subject.slice(this.inbox.length + 1).split(".")[0];
    const b = this.batch;
    if (!b || id !== b.id || b.count !== undefined || this.closed) return; // a late reply to a batch that is over
    this.armTimer();
    let body: { type?: string; seq?: number; msgs?: number; batch?: string; count?: number; error?: ApiErrorBody } | undefined;
    try {
      body = JSON.parse(dec.decode(m.data)) as typeof body;
    } catch {
      body = undefined;
    }
    if (m.headers?.code === 429 && !body?.error) body = { error: { code: 429, err_code: API_ERR.tooManyRequests, description: "too many requests" } };
    if (!body) return;
    if (body.error) {
      // which message the server refused: `<inbox>.<batch>.<flow>.<gap mode>.<seq>.<op>.$FI`
      const [, , , seqText, opText] = m.subject.slice(this.inbox.length + 1).split(".");
      const start = Number(seqText) === 1 && Number(opText) === OP_START;
      const error = fromApiError(body.error, "put chunk");
      if (start && isTooManyRequests(error)) {
        // the first chunk was dropped: there is no batch, and none of its chunks is stored
        b.count = 0;
        void this.recover(b.first);
      } else if (start) {
        this.fail(error); // refused at the start (e.g. the stream does not allow batches): no PubAck will come
      } else {
        if (Number(opText) !== OP_PING) b.error ??= error;
        this.ping(b);
      }
    } else if (typeof body.batch === "string") {
      this.onBatchEnd(b, body.count ?? 0);
    } else if (body.type === "ack") {
      if (typeof body.msgs === "number" && body.msgs > 0) b.msgs = body.msgs;
      if (typeof body.seq === "number" && body.seq > b.acked) {
        b.acked = body.seq;
        this.advanceTo(b.first + b.acked);
      }
    }
    // "gap": the batch ends; its PubAck follows and says how much was stored
    this.changed.notify();
  }

  /** The server ended batch `b` having stored `count` chunks of it. */
  private onBatchEnd(b: Batch, count: number): void {
    b.count = count;
    clearInterval(b.pinger);
    b.acked = count;
    this.advanceTo(b.first + count);
    if (b.first + count >= this.next && !b.error) {
      clearTimeout(this.timer);
      return; // everything stored
    }
    // ended early: a dropped chunk (gap) or an error
    if (b.error && !isTooManyRequests(b.error)) return this.fail(b.error);
    void this.recover(b.first + count);
  }

  /** Backs off and goes on from chunk `from` in a new batch. */
  private async recover(from: number): Promise<void> {
    this.recovering = true;
    clearTimeout(this.timer);
    this.throttles++;
    this.stalls = from > this.lastRecoveredFrom ? 0 : this.stalls + 1;
    this.lastRecoveredFrom = from;
    this.flow = Math.max(1, Math.floor(this.flow / 2));
    try {
      if (this.stalls >= MAX_STALLS) {
        this.fail(new ServerError("SERVER_ERROR", `put chunk: fast batches ended early ${MAX_STALLS} times in a row`,
          { cause: { code: 429, err_code: API_ERR.tooManyRequests } }));
        return;
      }
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** this.stalls);
      await new Promise((r) => setTimeout(r, backoff * (0.5 + Math.random() / 2)));
      if (this.failure || this.closed || this.opts.signal?.aborted) return;
      this.restartFrom(from);
    } finally {
      this.recovering = false;
      this.changed.notify();
    }
  }

  /** Starts a new batch at chunk `from`, sending every kept chunk from there under new ids. */
  private restartFrom(from: number): void {
    this.tag = `${this.opts.msgIdTag ?? ""}r${++this.resends}`;
    this.batch = undefined;
    for (let index = from; index < this.next; index++) this.send(index, this.kept.get(index)!);
  }

  /** Every chunk below `index` is stored: let them go and report it. */
  private advanceTo(index: number): void {
    if (index <= this.ackedPrefix) return;
    for (let i = this.ackedPrefix; i < index; i++) this.kept.delete(i);
    this.ackedPrefix = index;
    if (this.flow < this.opts.window) this.flow++;
    try {
      this.opts.onAcked?.(index);
    } catch {
      // an observer's failure must not stall the acks
    }
  }

  /** Fails the publishing when the server says nothing for the client's timeout while chunks are in flight. */
  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const awaitingPubAck = this.batch?.committed === true && this.batch.count === undefined;
      if (!this.recovering && (this.ackedPrefix < this.next || awaitingPubAck)) this.fail(new ServerError("TIMEOUT", "put chunk: timed out"));
    }, this.js.timeout);
  }

  private fail(err: ObjectStoreError): void {
    clearTimeout(this.timer);
    if (this.batch) clearInterval(this.batch.pinger);
    this.failure ??= err;
    if (this.batch) this.batch.count ??= this.batch.acked; // the batch is over for us
    this.changed.notify();
  }



  private check(): void {
    if (this.opts.signal?.aborted) throw new AbortedError("ABORTED", "put aborted", { cause: this.opts.signal.reason });
    if (this.failure) throw this.failure;
  }
}
