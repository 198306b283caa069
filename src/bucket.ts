/** What every operation on one bucket shares: its client, names, and reading an object's current meta. */
import { decodeInfo, type ObjectInfo } from "./core/meta.js";
import { allMetaSubjects, legacyMetaSubjects, metaSubject, streamName } from "./core/names.js";
import { MetaFeed } from "./transport/meta-feed.js";
import type { JetStreamClient } from "./transport/jetstream.js";

/** An open bucket: the stream behind it and how to read its metas. */
export class Bucket {
  /** The stream's name. */
  readonly stream: string;

  /** @param js the client; @param name the bucket; @param allowDirect whether the stream serves direct gets */
  constructor(
    readonly js: JetStreamClient,
    readonly name: string,
    readonly allowDirect: boolean,
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

  private async readLatest(name: string, direct: boolean): Promise<ObjectInfo | undefined> {
    for (const subject of [metaSubject(this.name, name), ...legacyMetaSubjects(this.name, name)]) {
      const m = await this.js.lastMessage(this.stream, subject, direct, "get object info");
      if (m) return decodeInfo(m.data, m.seq, m.time);
    }
    return undefined;
  }

  /**
   * The latest meta of every name (delete markers and links included), in stream order. Metas that are
   * not valid object metas are skipped and handed to `onBadMeta`.
   */
  async latestInfos(onBadMeta?: (subject: string, error: Error) => void): Promise<ObjectInfo[]> {
    const feed = await MetaFeed.open(this.js, this.stream, allMetaSubjects(this.name), "last_per_subject");
    const out: ObjectInfo[] = [];
    try {
      for (let pending = feed.initialPending; pending > 0; ) {
        const m = await feed.next();
        if (!m) break;
        pending = m.pending;
        try {
          out.push(decodeInfo(m.data, m.streamSeq, m.time));
        } catch (err) {
          onBadMeta?.(m.subject, err as Error);
        }
      }
    } finally {
      feed.close();
    }
    return out;
  }
}
