/** What every operation on one bucket shares: its client, names, and reading an object's current meta. */
import { decodeInfo, type ObjectInfo } from "./core/meta.js";
import { allMetaSubjects, legacyMetaSubjects, metaSubject, streamName } from "./core/names.js";
import { MetaFeed } from "./transport/meta-feed.js";
import type { JetStreamClient } from "./transport/jetstream.js";
import { directBatchMessages } from "./transport/direct-batch.js";

/** An open bucket: the stream behind it and how to read its metas. */
export class Bucket {
  /** The stream's name. */
  readonly stream: string;

  /**
   * @param js the client; @param name the bucket; @param allowDirect whether the stream serves direct gets;
   * @param allowBatched whether the stream takes fast batches (ADR-50)
   */
  constructor(
    readonly js: JetStreamClient,
    readonly name: string,
    readonly allowDirect: boolean,
    readonly allowBatched = false,
  ) {
    this.stream = streamName(name);
  }

  /**
   * The current meta of `name` (delete markers included), or `undefined` when there is none. Reads use
   * direct gets where the stream allows them; any replica answers those, and a follower may not have
   * applied the newest write yet, so a miss is asked again of the stream leader. `fresh` asks the leader
   * straight away: a write that is about to build on what it reads wants the newest version.
   */
  async readInfo(name: string, opts: { fresh?: boolean } = {}): Promise<ObjectInfo | undefined> {
    const direct = this.allowDirect && !opts.fresh;
    const found = await this.readLatest(name, direct);
    return found || !direct ? found : this.readLatest(name, false);
  }

  /**
   * The meta subject `info` was read from by {@link readInfo}: the standard one, or a legacy encoding
   * another client wrote. A write that replaces `info` in place (update, delete, rename) writes there, on
   * the condition that it still holds `info`'s revision.
   */
  subjectOf(info: ObjectInfo): string {
    return this.readFrom.get(info) ?? metaSubject(this.name, info.name);
  }

  /**
   * The revision a write to `subject` expects when it replaces `info` (read by {@link readInfo}): its
   * revision when it was read from that subject, else 0 (a name another client stored under a legacy
   * encoding is written anew under the standard one).
   */
  expectedOn(subject: string, info: ObjectInfo | undefined): number {
    return info && this.subjectOf(info) === subject ? info.revision : 0;
  }

  private readonly readFrom = new WeakMap<ObjectInfo, string>();

  private async readLatest(name: string, direct: boolean): Promise<ObjectInfo | undefined> {
    for (const subject of [metaSubject(this.name, name), ...legacyMetaSubjects(this.name, name)]) {
      const m = await this.js.lastMessage(this.stream, subject, direct, "get object info");
      if (m) {
        const info = decodeInfo(m.data, m.seq, m.time);
        this.readFrom.set(info, subject);
        return info;
      }
    }
    return undefined;
  }

  /**
   * The latest meta of every name (delete markers and links included), in stream order. Metas that are
   * not valid object metas are skipped and handed to `onBadMeta`. On servers with batched direct gets
   * (2.11+) and streams that allow direct gets, the metas are read a page at a time with no consumer;
   * elsewhere through an ordered consumer that delivers the last message of each meta subject.
   */
  async latestInfos(onBadMeta?: (subject: string, error: Error) => void): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    for (const m of await this.latestMetaMessages()) {
      try {
        out.push(decodeInfo(m.data, m.seq, m.time));
      } catch (err) {
        onBadMeta?.(m.subject, err as Error);
      }
    }
    return out;
  }

  /** True when metas are listed by batched direct gets rather than a consumer. */
  get listsByDirectBatch(): boolean {
    return this.allowDirect && this.js.apiLevel >= 1;
  }

  /**
   * The last message of every meta subject, in stream order. Metas are rolled up (one message per
   * subject), but a meta written again during the walk shows up twice on either path: the newest of each
   * subject wins.
   */
  private async latestMetaMessages(): Promise<{ subject: string; data: Uint8Array; seq: number; time: string }[]> {
    const last = new Map<string, { subject: string; data: Uint8Array; seq: number; time: string }>();
    const keep = (m: { subject: string; data: Uint8Array; seq: number; time: string }) => {
      last.delete(m.subject);
      last.set(m.subject, m);
    };
    if (this.listsByDirectBatch) {
      for await (const m of directBatchMessages(this.js, this.stream, allMetaSubjects(this.name), "list objects")) keep(m);
      return [...last.values()];
    }
    const feed = await MetaFeed.open(this.js, this.stream, allMetaSubjects(this.name), "last_per_subject");
    try {
      for (let pending = feed.initialPending; pending > 0; ) {
        const m = await feed.next();
        if (!m) break;
        pending = m.pending;
        keep({ subject: m.subject, data: m.data, seq: m.streamSeq, time: m.time });
      }
    } finally {
      feed.close();
    }
    return [...last.values()];
  }
}
