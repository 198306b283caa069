/**
 * The few JetStream calls this library makes, as plain requests on a NATS connection (nats.ws or v3):
 * stream management, publishes with acks, last-message-by-subject reads and purges.
 */
import { inboxPrefixOf, type NatsConnectionLike, type ReceivedMessage } from "./connection.js";
import { newNuid } from "../core/nuid.js";
import { parseServerVersion, versionAtLeast, type ServerVersion } from "../core/server-version.js";
import { WireHeaders } from "./wire-headers.js";
import { API_ERR, fromApiError, fromNatsError, isBucketNotFound, natsErrorCode, type ApiErrorBody } from "./errors.js";
import { ServerError, type ObjectStoreError } from "../core/errors.js";
import { decodeBase64 } from "../core/base64.js";

const enc = new TextEncoder();
/** How long a direct get may go unanswered on a server before 2.10 before the stream is looked up. */
const SLOW_DIRECT_GET_MS = 1_000;
const dec = new TextDecoder();

/** The parts of a stream's configuration this library reads or writes. */
export interface StreamConfig {
  name: string;
  description?: string;
  subjects: string[];
  retention?: string;
  max_consumers?: number;
  max_msgs?: number;
  max_bytes: number;
  max_age: number;
  max_msg_size?: number;
  max_msgs_per_subject?: number;
  storage: "file" | "memory";
  num_replicas: number;
  discard: "old" | "new";
  duplicate_window?: number;
  placement?: { cluster?: string; tags?: string[] };
  allow_rollup_hdrs?: boolean;
  allow_direct?: boolean;
  allow_batched?: boolean;
  sealed?: boolean;
  metadata?: Record<string, string>;
  compression?: "none" | "s2";
  [k: string]: unknown;
}

/** What stream info returns that this library uses. */
export interface StreamInfo {
  config: StreamConfig;
  state: { messages: number; bytes: number; first_seq: number; last_seq: number; num_subjects?: number };
  created?: string;
}

/** A message stored in a stream, as read back. */
export interface StoredMsg {
  subject: string;
  seq: number;
  /** RFC 3339 time the server stored it. */
  time: string;
  data: Uint8Array;
  /** Its `Nats-Msg-Id` header, if it had one. */
  msgId?: string;
}

/** Which message a get asks for: the last on a subject, or the first on a subject from a sequence on. */
type MessageQuery = { last_by_subj: string } | { seq: number; next_by_subj: string };

/** The server's acknowledgement of a publish. */
export interface PubAck {
  stream: string;
  seq: number;
  duplicate?: boolean;
}

/** Options of {@link JetStreamClient.publish}. */
export interface PublishOpts {
  /** `Nats-Msg-Id`: a retried publish with the same id is stored once. */
  msgId?: string;
  /** `Nats-Expected-Last-Subject-Sequence`: optimistic concurrency on the subject. */
  expectLastSubjectSeq?: number;
  /** `Nats-Rollup: sub`: keep only this message on its subject. */
  rollupSubject?: boolean;
  /** Ack timeout in ms (default: the client's). */
  timeout?: number;
}

/** A thin JetStream client over one connection. */
export class JetStreamClient {
  /** The prefix of the inboxes this client subscribes to: the given one, else the connection's. */
  readonly inboxPrefix: string;

  /**
   * @param nc the connection; @param timeout default request timeout (ms); @param prefix the JS API prefix;
   * @param inboxPrefix the inbox prefix (default: the connection's `inboxPrefix`, else `_INBOX`)
   */
  constructor(
    readonly nc: NatsConnectionLike,
    readonly timeout: number,
    readonly prefix = "$JS.API",
    inboxPrefix?: string,
  ) {
    this.inboxPrefix = inboxPrefix ?? inboxPrefixOf(nc);
  }

  /** A fresh inbox subject for replies or deliveries, under {@link inboxPrefix}. */
  newInbox(): string {
    return `${this.inboxPrefix}.${newNuid()}`;
  }

  /** The server's max_payload (1 MiB when the server did not say). */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** The server's version as [major, minor, patch]. */
  get serverVersion(): ServerVersion {
    return parseServerVersion(this.nc.info?.version);
  }

  /** True when the server is at least `major.minor.patch` (or did not say its version). */
  serverAtLeast(major: number, minor: number, patch = 0): boolean {
    if (!this.nc.info?.version) return true;
    return versionAtLeast(this.serverVersion, [major, minor, patch]);
  }

  /**
   * The server's JetStream API level: `api_lvl` from its INFO (2.12+), else 1 for 2.11 (whose INFO does
   * not say, though `$JS.API.INFO` does), else 0. Features are chosen by it: batched direct gets (1+),
   * fast-batch publishing (4+).
   */
  get apiLevel(): number {
    const lvl = (this.nc.info as { api_lvl?: unknown } | undefined)?.api_lvl;
    if (typeof lvl === "number" && Number.isInteger(lvl) && lvl >= 0) return lvl;
    return this.nc.info?.version && this.serverAtLeast(2, 11) ? 1 : 0;
  }

  /** A JetStream API request with a JSON body; API errors become typed errors. */
  async api<T>(subject: string, body: unknown, what: string): Promise<T> {
    let reply;
    try {
      const payload = body === undefined ? new Uint8Array(0) : enc.encode(JSON.stringify(body));
      reply = await this.nc.request(`${this.prefix}.${subject}`, payload, { timeout: this.timeout });
    } catch (err) {
      throw fromNatsError(err, what);
    }
    const r = parseJson(reply.data) as { error?: ApiErrorBody } | undefined;
    if (!r) throw fromNatsError(new Error("bad JSON from the JetStream API"), what);
    if (r.error) throw fromApiError(r.error, what);
    return r as T;
  }

  /** Stream info; a missing stream rejects with BUCKET_NOT_FOUND. */
  streamInfo(stream: string, what = "stream info"): Promise<StreamInfo> {
    return this.api<StreamInfo>(`STREAM.INFO.${stream}`, undefined, what);
  }

  /** Creates a stream. */
  createStream(config: StreamConfig): Promise<StreamInfo> {
    return this.api<StreamInfo>(`STREAM.CREATE.${config.name}`, config, "create bucket");
  }

  /** Updates a stream's configuration. */
  updateStream(config: StreamConfig, what: string): Promise<StreamInfo> {
    return this.api<StreamInfo>(`STREAM.UPDATE.${config.name}`, config, what);
  }

  /** Deletes a stream. */
  async deleteStream(stream: string): Promise<void> {
    await this.api(`STREAM.DELETE.${stream}`, undefined, "delete bucket");
  }

  /** Names of streams holding a subject (paged). */
  async streamNames(subject: string): Promise<string[]> {
    const out: string[] = [];
    for (let offset = 0; ; ) {
      const r = await this.api<{ streams: string[] | null; total: number; limit: number }>(
        "STREAM.NAMES", { offset, subject }, "list buckets");
      const page = r.streams ?? [];
      out.push(...page);
      offset += page.length;
      if (page.length === 0 || offset >= r.total) return out;
    }
  }

  /** How many messages each subject matching `filter` holds in a stream (subjects with none are absent). */
  async subjectCounts(stream: string, filter: string, what: string): Promise<Record<string, number>> {
    const si = await this.api<{ state: { subjects?: Record<string, number> } }>(
      `STREAM.INFO.${stream}`, { subjects_filter: filter }, what);
    return si.state.subjects ?? {};
  }

  /**
   * Purges the messages of one subject from a stream; with `belowSeq`, only those with a lower stream
   * sequence (a later write to the subject survives).
   */
  async purgeSubject(stream: string, subject: string, what: string, belowSeq?: number): Promise<number> {
    const r = await this.api<{ purged: number }>(`STREAM.PURGE.${stream}`,
      belowSeq === undefined ? { filter: subject } : { filter: subject, seq: belowSeq }, what);
    return r.purged;
  }

  /** Deletes one message of a stream by its sequence (its payload is not overwritten). */
  async deleteMessage(stream: string, seq: number, what: string): Promise<void> {
    await this.api(`STREAM.MSG.DELETE.${stream}`, { seq, no_erase: true }, what);
  }

  /**
   * The last message on a subject, or `undefined` when it has none. Uses direct get when the stream
   * allows it, else the stream's message-get API.
   */
  lastMessage(stream: string, subject: string, direct: boolean, what: string): Promise<StoredMsg | undefined> {
    return this.getMessage(stream, { last_by_subj: subject }, direct, what);
  }

  /** The first message on `subject` at or after stream sequence `seq`, or `undefined` when there is none. */
  nextMessage(stream: string, subject: string, seq: number, direct: boolean, what: string): Promise<StoredMsg | undefined> {
    return this.getMessage(stream, { seq, next_by_subj: subject }, direct, what);
  }

  private async getMessage(stream: string, query: MessageQuery, direct: boolean, what: string): Promise<StoredMsg | undefined> {
    if (!direct) {
      try {
        const r = await this.api<{ message: { subject: string; seq: number; time: string; data?: string; hdrs?: string } }>(
          `STREAM.MSG.GET.${stream}`, query, what);
        const m = r.message;
        const msgId = headerValue(m.hdrs, "Nats-Msg-Id");
        return {
          subject: m.subject, seq: m.seq, time: m.time, data: decodeBase64(m.data ?? "") ?? new Uint8Array(0),
          ...(msgId === undefined ? {} : { msgId }),
        };
      } catch (err) {
        const cause = (err as { message?: string }).message ?? "";
        if (/no message found/i.test(cause)) return undefined;
        throw err;
      }
    }
    let reply;
    try {
      reply = await this.directGet(stream, enc.encode(JSON.stringify(query)), what);
    } catch (err) {
      throw await this.streamGoneOr(stream, fromNatsError(err, what), what);
    }
    const h = reply.headers;
    if (h && h.code === 404) return undefined;
    if (h && h.code >= 300) throw fromApiError({ code: h.code, description: h.description }, what);
    if (!h) {
      const r = parseJson(reply.data) as { error?: ApiErrorBody } | undefined;
      if (r?.error?.err_code === API_ERR.noMessageFound) return undefined;
      throw fromApiError(r?.error ?? { description: "unexpected direct get reply" }, what);
    }
    return {
      subject: h.get("Nats-Subject"),
      seq: Number(h.get("Nats-Sequence")),
      time: h.get("Nats-Time-Stamp"),
      data: reply.data,
      ...(h.has("Nats-Msg-Id") ? { msgId: h.get("Nats-Msg-Id") } : {}),
    };
  }

  /**
   * A direct-get request. Servers before 2.10 do not answer one for a stream that was deleted (not even
   * with no responders): when the answer is slow, the stream is looked up meanwhile, and a missing one
   * ends the wait at once with `BUCKET_NOT_FOUND`.
   */
  private async directGet(stream: string, payload: Uint8Array, what: string): Promise<ReceivedMessage> {
    const request = this.nc.request(`${this.prefix}.DIRECT.GET.${stream}`, payload, { timeout: this.timeout });
    if (this.serverAtLeast(2, 10)) return request;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gone = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.streamInfo(stream, what).catch((e: unknown) => {
          if (isBucketNotFound(e)) reject(e);
        });
      }, Math.min(SLOW_DIRECT_GET_MS, this.timeout / 2));
    });
    try {
      return await Promise.race([request, gone]);
    } finally {
      clearTimeout(timer);
      request.catch(() => undefined); // left to its own timeout when the stream check ended the wait
    }
  }

  /**
   * After a direct get went unanswered (no responders, or a timeout): `BUCKET_NOT_FOUND` when the stream
   * is gone (a deleted stream's direct-get subscription goes with it), else `err`.
   */
  async streamGoneOr(stream: string, err: ObjectStoreError, what: string): Promise<ObjectStoreError> {
    if (!(err instanceof ServerError) || !(err.code === "TIMEOUT" || natsErrorCode(err.cause) === "503")) return err;
    try {
      await this.streamInfo(stream, what);
      return err;
    } catch (e) {
      return isBucketNotFound(e) ? e : err;
    }
  }

  /** Publishes to a stream and waits for its ack. */
  async publish(subject: string, data: Uint8Array, opts: PublishOpts, what: string): Promise<PubAck> {
    let h: WireHeaders | undefined;
    if (opts.msgId !== undefined || opts.expectLastSubjectSeq !== undefined || opts.rollupSubject) {
      h = new WireHeaders();
      if (opts.msgId !== undefined) h.set("Nats-Msg-Id", opts.msgId);
      if (opts.expectLastSubjectSeq !== undefined) h.set("Nats-Expected-Last-Subject-Sequence", String(opts.expectLastSubjectSeq));
      if (opts.rollupSubject) h.set("Nats-Rollup", "sub");
    }
    let reply;
    try {
      reply = await this.nc.request(subject, data, { timeout: opts.timeout ?? this.timeout, ...(h ? { headers: h } : {}) });
    } catch (err) {
      throw fromNatsError(err, what);
    }
    const r = parseJson(reply.data) as (PubAck & { error?: ApiErrorBody }) | undefined;
    if (!r) throw fromNatsError(new Error("bad publish acknowledgement"), what);
    if (r.error) throw fromApiError(r.error, what);
    return r;
  }
}

/** One header's value from a base64 NATS header block (`NATS/1.0\r\nName: value\r\n…`), as MSG.GET returns. */
function headerValue(block: string | undefined, name: string): string | undefined {
  const bytes = block ? decodeBase64(block) : undefined;
  if (!bytes) return undefined;
  const want = name.toLowerCase();
  for (const line of new TextDecoder().decode(bytes).split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === want) return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** Nanoseconds from milliseconds, as the JetStream API wants durations. */
export function nanos(ms: number): number {
  return Math.round(ms * 1_000_000);
}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(dec.decode(data));
  } catch {
    return undefined;
  }
}
