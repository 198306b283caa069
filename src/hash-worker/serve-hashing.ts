/**
 * The Worker side of off-thread hashing: SHA-256 of the bytes a page's put or get sends over (see
 * `workerSha256`), so the page's thread only copies them and goes on with the socket.
 */
import type { LanePort } from "../lanes/lane-port.js";
import { defaultSha256 } from "../platform/fast-sha256.js";
import type { Hasher, HasherFactory } from "../core/sha256.js";
import type { FromHashWorker, ToHashWorker } from "./hash-port.js";

/** Options of {@link serveHashing}. */
export interface ServeHashingOptions {
  /** The SHA-256 the Worker runs (default: the fastest this runtime offers, WebAssembly in browsers). */
  hasher?: HasherFactory;
  /** A hash that receives nothing for this long (ms) is forgotten: its page went away (default 600 000). */
  forgetAfterMs?: number;
}

/** One hash in progress: its hasher (made on first use), the work queued on it, and when it was last fed. */
interface Session {
  hasher: Promise<Hasher>;
  tail: Promise<void>;
  error?: string;
  lastUsed: number;
}

/**
 * Serves SHA-256 hashing to the page over `port` (in a Worker: `self`): bytes in, digests out, each hash
 * in the order its bytes were sent. Hand the page's side to a put or get with `workerSha256(worker)`.
 * Returns a function that stops serving.
 *
 * @example
 * ```ts
 * // hash.worker.ts
 * import { serveHashing } from "nats-objectstore-web";
 * serveHashing(self);
 * ```
 */
export function serveHashing(port: LanePort, options: ServeHashingOptions = {}): () => void {
  const factory = options.hasher ?? defaultSha256;
  const forgetAfterMs = options.forgetAfterMs ?? 600_000;
  const sessions = new Map<string, Session>();
  const post = (m: FromHashWorker, transfer: Transferable[] = []) => port.postMessage(m, transfer);
  const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

  /** Queues `work` on the session's hasher, after everything queued before it; a failure is said once. */
  const queue = (id: string, s: Session, work: (h: Hasher) => Promise<void> | void) => {
    s.lastUsed = Date.now();
    s.tail = s.tail.then(async () => {
      if (s.error !== undefined) return;
      try {
        await work(await s.hasher);
      } catch (err) {
        s.error = describe(err);
        post({ t: "hash-error", id, error: s.error });
      }
    });
  };

  const sessionFor = (id: string): Session => {
    let s = sessions.get(id);
    if (!s) {
      const hasher = Promise.resolve().then(factory);
      hasher.catch(() => {}); // reported when the first work awaits it
      s = { hasher, tail: Promise.resolve(), lastUsed: Date.now() };
      sessions.set(id, s);
    }
    return s;
  };

  const onMessage = (ev: MessageEvent) => {
    const m = ev.data as Partial<ToHashWorker> | null;
    if (typeof m !== "object" || m === null || typeof m.id !== "string") return;
    const id = m.id;
    switch (m.t) {
      case "hash-update": {
        const data = m.data;
        if (!(data instanceof Uint8Array)) return;
        queue(id, sessionFor(id), async (h) => {
          await h.update(data);
          post({ t: "hash-ack", id, bytes: data.length });
        });
        return;
      }
      case "hash-finish": {
        const s = sessionFor(id);
        queue(id, s, async (h) => {
          const digest = await h.digest();
          if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new Error("the Worker's hasher gave no 32-byte digest");
          const own = new Uint8Array(digest); // a buffer of its own to transfer (a digest may view the hasher's memory)
          post({ t: "hash-digest", id, digest: own }, [own.buffer]);
        });
        void s.tail.then(() => sessions.delete(id));
        return;
      }
      case "hash-drop":
        sessions.delete(id);
        return;
    }
  };

  // hashes whose page went away (a closed tab, a put that failed without a word) are forgotten
  const sweep = setInterval(() => {
    const before = Date.now() - forgetAfterMs;
    for (const [id, s] of sessions) if (s.lastUsed < before) sessions.delete(id);
  }, Math.min(60_000, forgetAfterMs));
  (sweep as { unref?: () => void }).unref?.();

  port.addEventListener("message", onMessage);
  port.start?.();
  return () => {
    clearInterval(sweep);
    port.removeEventListener("message", onMessage);
    sessions.clear();
  };
}
