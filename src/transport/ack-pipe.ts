/**
 * Publishes many messages to one stream subject with their acks collected on ONE wildcard reply
 * subscription (`<inbox>.<token>`) and one timer for every deadline, instead of one request each (a
 * promise, a timer and a mux entry per message in nats.ws): the put's hot path. A publish the server
 * refuses for permissions is reported like a request's, and a lost connection at once (nats.ws tells
 * both through status events; a refused reply subscription fails the publishes at once too).
 */
import { PermissionError, ServerError, type ObjectStoreError } from "../core/errors.js";
import { permissionOf, statusOf, type NatsConnectionLike, type NatsSubscription } from "./connection.js";
import { fromApiError, fromNatsError, natsErrorCode, type ApiErrorBody } from "./errors.js";
import { wireHeaders } from "./wire-headers.js";

/**
 * Called once per message: without an error when the server stored it, then with the stream sequence it
 * was stored at (0 when the ack did not say).
 */
export type Settle = (err?: ObjectStoreError, seq?: number) => void;

interface Waiting {
  deadline: number;
  settle: Settle;
}

const dec = new TextDecoder();

/** A reply subscription for the acks of publishes to `subject`. Call {@link close} when done. */
export class AckPipe {
  private readonly inbox: string;
  private readonly sub: NatsSubscription;
  private readonly waiting = new Map<string, Waiting>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly status: ReturnType<typeof statusOf>;
  private next = 0;
  private closed = false;
  /** Why the server ended the reply subscription (a refusal): every publish fails with it at once. */
  private refused: ObjectStoreError | undefined;
  /** The stream the acks name (from the first ack that stored a message). */
  stream: string | undefined;

  /**
   * @param nc the connection; @param subject where every message goes; @param timeoutMs how long an ack
   * may take; @param inbox the reply subscription's prefix (acks come on `<inbox>.<token>`)
   */
  constructor(
    private readonly nc: NatsConnectionLike,
    private readonly subject: string,
    private readonly timeoutMs: number,
    inbox: string,
  ) {
    this.inbox = inbox;
    this.sub = nc.subscribe(`${this.inbox}.*`, {
      callback: (err, m) => {
        if (err) {
          const refused = (this.refused = fromNatsError(err, "put chunk"));
          return this.failAll(() => refused);
        }
        this.onAck(m.subject, m.data, m.headers?.code);
      },
    });
    this.timer = setInterval(() => this.expire(), Math.max(50, Math.min(500, timeoutMs / 4)));
    this.status = statusOf(nc);
    void this.watchConnection();
  }

  /** Publishes `data` with the message id `msgId`; `settle` is called once with the outcome. */
  send(data: Uint8Array, msgId: string, settle: Settle): void {
    if (this.closed) return settle(new ServerError("CONNECTION_CLOSED", "put chunk: the publisher is closed"));
    if (this.refused) return settle(this.refused);
    const token = (this.next++).toString(36);
    this.waiting.set(token, { deadline: Date.now() + this.timeoutMs, settle });
    try {
      this.nc.publish(this.subject, data, { reply: `${this.inbox}.${token}`, headers: wireHeaders({ "Nats-Msg-Id": msgId }) });
    } catch (err) {
      this.waiting.delete(token);
      const code = natsErrorCode(err);
      settle(new ServerError(code === "MAX_PAYLOAD_EXCEEDED" ? "SERVER_ERROR" : "CONNECTION_CLOSED", `put chunk: ${(err as Error).message}`, { cause: err }));
    }
  }

  /** Stops listening; publishes still waiting fail with `CONNECTION_CLOSED`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.sub.unsubscribe();
    this.status.stop();
    this.failAll(() => new ServerError("CONNECTION_CLOSED", "put chunk: the publisher is closed"));
  }

  private onAck(subject: string, data: Uint8Array, code: number | undefined): void {
    const token = subject.slice(this.inbox.length + 1);
    const w = this.waiting.get(token);
    if (!w) return; // late: it timed out already
    this.waiting.delete(token);
    if (code === 503) {
      return w.settle(new ServerError("SERVER_ERROR", "put chunk: JetStream is not available (no responders)", { cause: { code: "503" } }));
    }
    // a PubAck is {"stream":…,"seq":…}; a refusal has an "error" (first, or after "stream" on a 429)
    const text = dec.decode(data);
    if (code === 429 || text.includes('"error"')) {
      let body: { error?: ApiErrorBody } | undefined;
      try {
        body = JSON.parse(text) as { error?: ApiErrorBody };
      } catch {
        body = undefined;
      }
      const error = body?.error ?? (code === 429 ? { code: 429, description: "too many requests" } : undefined);
      if (error) return w.settle(fromApiError(error, "put chunk"));
    }
    this.stream ??= /"stream":"([^"]+)"/.exec(text)?.[1];
    w.settle(undefined, seqOf(text));
  }

  /** Fails, oldest first, the publishes whose ack is overdue (the map keeps sending order). */
  private expire(): void {
    const now = Date.now();
    for (const [token, w] of this.waiting) {
      if (w.deadline > now) break;
      this.waiting.delete(token);
      w.settle(new ServerError("TIMEOUT", "put chunk: timed out"));
    }
  }

  /**
   * A publish refused for permissions fails every waiting one with `PERMISSION_DENIED`. A lost connection
   * fails them at once with `CONNECTION_CLOSED` (the put then asks the server, once it is back, what it
   * holds) rather than after the ack timeout.
   */
  private async watchConnection(): Promise<void> {
    for await (const s of this.status) {
      const ctx = permissionOf(s);
      if (ctx?.operation === "publish" && ctx.subject === this.subject) {
        this.failAll(() => new PermissionError("PERMISSION_DENIED", "put chunk: permission denied"));
      } else if (s.type === "disconnect") {
        this.failAll(() => new ServerError("CONNECTION_CLOSED", "put chunk: the connection was lost"));
      }
    }
  }

  private failAll(err: () => ObjectStoreError): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w.settle(err());
  }
}

/** The `seq` of a PubAck's JSON text, without parsing all of it (0 when absent). */
function seqOf(text: string): number {
  const at = text.indexOf('"seq":');
  if (at < 0) return 0;
  let n = 0;
  for (let i = at + 6; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  return n;
}
