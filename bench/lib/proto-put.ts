/**
 * Prototype of a leaner put data path (bench only; src/ is not changed): the same object on the wire as
 * src/put.ts (chunks on `$O.<bucket>.C.<nuid>`, then the meta with `Nats-Rollup: sub`), but chunks go out
 * with `nc.publish(subject, data, {reply})` to ONE wildcard reply subscription (`<inbox>.<index>`), with one
 * timer for the whole window, instead of one `nc.request()` per chunk (each of which makes a promise, a
 * timer, a mux entry and an Error for its stack trace). Acks are matched by index, so out-of-order acks stay
 * correct; a missing ack fails the put (as src/put.ts does since it stopped re-sending chunks).
 *
 * The object it writes is read back with the library's own `os.get()`, which verifies size, chunk count and
 * digest: a wrong prototype fails the benchmark rather than looking fast.
 */
import { createInbox, headers as makeHeaders, type NatsConnection, type Subscription } from "nats.ws";
import { chunkSubject, formatDigest, metaSubject, type HasherFactory } from "../../src/index.ts";
import { chunked } from "../../src/core/chunker.ts";
import { newNuid } from "../../src/core/nuid.ts";
import { encodeInfo } from "../../src/core/meta.ts";
import { openSource } from "../../src/core/source.ts";

export interface ProtoPutOptions {
  chunkSize: number;
  /** Chunks in flight. */
  window: number;
  hasher: HasherFactory;
  /** Set Nats-Msg-Id on every chunk (as src/put.ts does), default true. */
  msgIds?: boolean;
  /** Ack timeout, ms. */
  timeoutMs?: number;
}

class PipelinePublisher {
  private readonly inbox = createInbox();
  private readonly sub: Subscription;
  private readonly pending = new Map<number, { sent: number }>();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private next = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly window: number,
    private readonly msgIdPrefix: string | undefined,
    private readonly timeoutMs: number,
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, {
      callback: (_err, m) => {
        const i = Number(m.subject.slice(this.inbox.length + 1));
        if (!this.pending.has(i)) return; // a late duplicate ack
        // a PubAck is {"stream":..,"seq":..}; an error is {"error":{..}}; no responders: 503 status header
        if (m.headers?.code === 503) this.fail(new Error("no stream for the chunk subject"));
        else if (m.data.length > 2 && m.data[2] === 0x65 /* "e" of "error" */) this.fail(new Error(new TextDecoder().decode(m.data)));
        this.pending.delete(i);
        this.poke();
      },
    });
    // one timer for the whole window. Like src/put.ts (no re-sends), a chunk whose ack does not come fails the
    // put instead of being re-sent: a re-send after later chunks were stored would land out of order.
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const [i, p] of this.pending) {
        if (now - p.sent >= this.timeoutMs) {
          this.fail(new Error(`chunk ${i}: no ack within ${this.timeoutMs} ms`));
          return;
        }
      }
    }, Math.min(1000, this.timeoutMs / 4));
  }

  async publish(data: Uint8Array): Promise<void> {
    while (this.pending.size >= this.window && !this.failure) await new Promise<void>((r) => (this.wake = r));
    if (this.failure) throw this.failure;
    const i = this.next++;
    this.pending.set(i, { sent: Date.now() });
    this.send(i, data);
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0 && !this.failure) await new Promise<void>((r) => (this.wake = r));
    this.close();
    if (this.failure) throw this.failure;
  }

  close(): void {
    clearInterval(this.timer);
    this.sub.unsubscribe();
  }

  private send(i: number, data: Uint8Array): void {
    let h;
    if (this.msgIdPrefix) {
      h = makeHeaders();
      h.set("Nats-Msg-Id", `${this.msgIdPrefix}.${i}`);
    }
    this.nc.publish(this.subject, data, { reply: `${this.inbox}.${i}`, headers: h });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/** Puts `source` as object `name` of `bucket` (which must exist) through the pipeline publisher. */
export async function protoPut(nc: NatsConnection, bucket: string, name: string, source: ReadableStream<Uint8Array>, o: ProtoPutOptions): Promise<number> {
  const nuid = newNuid();
  const subject = chunkSubject(bucket, nuid);
  const pub = new PipelinePublisher(nc, subject, o.window, o.msgIds === false ? undefined : nuid, o.timeoutMs ?? 10_000);
  const hasher = await o.hasher();
  let size = 0;
  let chunks = 0;
  try {
    for await (const chunk of chunked(openSource(source).pieces, o.chunkSize)) {
      await hasher.update(chunk);
      await pub.publish(chunk);
      size += chunk.length;
      chunks++;
    }
    await pub.flush();
  } finally {
    pub.close();
  }
  const info = {
    name, bucket, nuid, size, chunks, digest: formatDigest(await hasher.digest()),
    mtime: new Date().toISOString(), options: { max_chunk_size: o.chunkSize },
  };
  const h = makeHeaders();
  h.set("Nats-Rollup", "sub");
  const ack = await nc.request(metaSubject(bucket, name), encodeInfo(info as never), { timeout: 10_000, headers: h });
  const r = JSON.parse(new TextDecoder().decode(ack.data)) as { error?: unknown };
  if (r.error) throw new Error(`meta publish failed: ${JSON.stringify(r.error)}`);
  return size;
}
