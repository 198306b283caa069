/** Watch: an async iterable of object infos fed by an ordered consumer on the bucket's metas. */
import type { Bucket } from "./bucket.js";
import { checkWatchOptions } from "./core/check-options.js";
import { decodeInfo, type ObjectInfo } from "./core/meta.js";
import { allMetaSubjects } from "./core/names.js";
import type { WatchOptions } from "./options.js";
import { MetaFeed } from "./transport/meta-feed.js";

/**
 * Changes to a bucket's objects. Iterate it with `for await` (or call `next()`); `stop()` ends it.
 * `initialized` resolves once every object that existed when the watch began has arrived (at once for an
 * empty bucket or `updatesOnly`); entries after those are live updates.
 */
export class ObjectWatcher implements AsyncIterable<ObjectInfo> {
  /** Resolves once the initial state has arrived; entries after it are live updates. */
  readonly initialized: Promise<void>;
  private done = false;

  private constructor(
    private readonly feed: MetaFeed,
    private readonly opts: WatchOptions,
  ) {
    this.initialized = feed.initialArrived;
  }

  /**
   * Opens a watcher on a bucket. Bad options reject with `INVALID_ARGUMENT`; an `onBadMeta` that throws
   * fails the iteration with a `CallbackError` (`CALLBACK_FAILED`).
   */
  static async open(bucket: Bucket, options?: WatchOptions): Promise<ObjectWatcher> {
    const opts = checkWatchOptions(options);
    const start = opts.updatesOnly ? "new" : opts.includeHistory ? "all" : "last_per_subject";
    const feed = await MetaFeed.open(bucket.js, bucket.stream, allMetaSubjects(bucket.name), start);
    return new ObjectWatcher(feed, opts);
  }

  /** The next entry, or `undefined` once stopped. */
  async next(): Promise<ObjectInfo | undefined> {
    while (!this.done) {
      const m = await this.feed.next();
      if (!m) return undefined;
      let info: ObjectInfo;
      try {
        info = decodeInfo(m.data, m.streamSeq, m.time);
      } catch (err) {
        this.opts.onBadMeta?.(m.subject, err as Error);
        continue;
      }
      if (this.opts.ignoreDeletes && info.deleted) continue;
      return info;
    }
    return undefined;
  }

  /** Stops watching; a pending iteration ends. */
  stop(): void {
    this.done = true;
    this.feed.close();
  }

  /** Iterates the entries until {@link stop}. Breaking out of the loop stops the watcher. */
  async *[Symbol.asyncIterator](): AsyncIterator<ObjectInfo> {
    try {
      for (;;) {
        const info = await this.next();
        if (!info) return;
        yield info;
      }
    } finally {
      this.stop();
    }
  }
}
