/**
 * Reads a bucket's stream directly through the JetStream API, not through the library under test: the
 * message count of every chunk subject, and the latest meta of every meta subject.
 */
import type { NatsConnection } from "nats.ws";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A meta as stored: its subject, sequence, and the JSON payload. */
export interface RawMeta {
  readonly subject: string;
  readonly seq: number;
  readonly info: {
    name?: string;
    nuid?: string;
    size?: number;
    chunks?: number;
    deleted?: boolean;
    digest?: string;
    options?: { link?: { bucket?: string; name?: string } };
  };
}

/** What the stream holds. */
export interface StreamContents {
  /** Chunk subject nuid -> message count. */
  readonly chunks: Map<string, number>;
  /** The latest meta of every meta subject. */
  readonly metas: RawMeta[];
}

async function api(nc: NatsConnection, subject: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
  let last: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const m = await nc.request(subject, enc.encode(JSON.stringify(body)), { timeout: timeoutMs });
      const r = JSON.parse(dec.decode(m.data)) as Record<string, unknown>;
      return r;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`${subject}: no answer (${(last as Error)?.message})`);
}

/** Subject -> message count of the subjects matching `filter`, every page of them. */
export async function subjectCounts(nc: NatsConnection, stream: string, filter: string, timeoutMs = 10_000): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let offset = 0; ; ) {
    const r = await api(nc, `$JS.API.STREAM.INFO.${stream}`, { subjects_filter: filter, offset }, timeoutMs);
    if (r.error) throw new Error(`stream info ${stream}: ${JSON.stringify(r.error)}`);
    const subjects = ((r.state as { subjects?: Record<string, number> } | undefined)?.subjects) ?? {};
    const page = Object.entries(subjects);
    for (const [s, n] of page) out.set(s, n);
    const total = typeof r.total === "number" ? r.total : 0;
    offset += page.length;
    if (page.length === 0 || offset >= total) return out;
  }
}

/** The last message of `subject` (stream leader), or undefined when there is none. */
async function lastOf(nc: NatsConnection, stream: string, subject: string, timeoutMs: number): Promise<RawMeta | undefined> {
  const r = await api(nc, `$JS.API.STREAM.MSG.GET.${stream}`, { last_by_subj: subject }, timeoutMs);
  const error = r.error as { err_code?: number } | undefined;
  if (error) {
    if (error.err_code === 10037) return undefined; // no message found
    throw new Error(`msg get ${subject}: ${JSON.stringify(error)}`);
  }
  const m = r.message as { subject: string; seq: number; data?: string };
  const text = m.data ? Buffer.from(m.data, "base64").toString("utf8") : "";
  return { subject: m.subject, seq: m.seq, info: text ? (JSON.parse(text) as RawMeta["info"]) : {} };
}

/** Reads the chunk subjects' counts and every meta subject's latest meta of bucket `bucket`. */
export async function readStream(nc: NatsConnection, bucket: string): Promise<StreamContents> {
  const stream = `OBJ_${bucket}`;
  const chunkPrefix = `$O.${bucket}.C.`;
  const counts = await subjectCounts(nc, stream, `${chunkPrefix}>`);
  const chunks = new Map([...counts].map(([s, n]) => [s.slice(chunkPrefix.length), n]));
  const metas: RawMeta[] = [];
  for (const subject of (await subjectCounts(nc, stream, `$O.${bucket}.M.>`)).keys()) {
    const m = await lastOf(nc, stream, subject, 10_000);
    if (m) metas.push(m);
  }
  return { chunks, metas };
}
