/** What every operation on one bucket shares: its client, names, and reading an object's current meta. */
import { decodeInfo, type ObjectInfo } from "./core/meta.js";
import { legacyMetaSubjects, metaSubject, streamName } from "./core/names.js";
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

  /** The current meta of `name` (delete markers included), or `undefined` when there is none. */
  async readInfo(name: string): Promise<ObjectInfo | undefined> {
    for (const subject of [metaSubject(this.name, name), ...legacyMetaSubjects(this.name, name)]) {
      const m = await this.js.lastMessage(this.stream, subject, this.allowDirect, "get object info");
      if (m) return decodeInfo(m.data, m.seq, m.time);
    }
    return undefined;
  }
}
