/**
 * The page side of off-thread hashing: a {@link HasherFactory} whose hashes run in a Worker (see
 * `serveHashing`). The page's thread copies each chunk into a message and goes on; the Worker hashes in
 * parallel, and the digest arrives when the put or get asks for it.
 */
import { CallbackError } from "../core/check-options.js";
import type { Hasher, HasherFactory } from "../core/sha256.js";
import type { LanePort } from "../lanes/lane-port.js";
import type { FromHashWorker, ToHashWorker } from "./hash-port.js";

/** Options of {@link workerSha256}. */
export interface WorkerSha256Options {
  /**
   * Bytes sent to the Worker and not yet hashed there, at most, per hash (default 4 MiB): past it, `update`
   * returns a promise that the put or get awaits, so a slow Worker slows the transfer instead of queueing
   * the whole file in memory.
   */
  maxQueuedBytes?: number;
  /** A Worker silent this long (ms) while a hash waits on it fails that hash (default 30 000). */
  idleMs?: number;
}

/** Someone waiting for the Worker: for room in the queue, or for the digest. */
interface Waiter {
  resolve(v: Uint8Array | undefined): void;
  reject(err: unknown): void;
}

/** One hash whose bytes go to the Worker. */
class WorkerHash implements Hasher {
  queued = 0;
  failure: CallbackError | undefined;
  private waiter: Waiter | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private finished = false;

  constructor(
    private readonly port: LanePort,
    readonly id: string,
    private readonly maxQueued: number,
    private readonly idleMs: number,
    private readonly forget: (h: WorkerHash) => boolean,
  ) {}

  update(bytes: Uint8Array): void | Promise<void> {
    if (this.failure) throw this.failure;
    if (this.finished) throw new CallbackError("CALLBACK_FAILED", "hash worker: update after digest");
    if (bytes.length === 0) return;
    // a copy of exactly these bytes, its buffer transferred: the caller keeps (and may hand on) its own
    // (not `slice()`: a Node Buffer's slice is a view, and transferring it would empty the client's buffer)
    const copy = new Uint8Array(bytes);
    this.queued += copy.length; // before the transfer empties `copy`
    this.post({ t: "hash-update", id: this.id, data: copy }, [copy.buffer]);
    if (this.queued <= this.maxQueued) return;
    return this.wait().then(() => undefined);
  }

  async digest(): Promise<Uint8Array> {
    if (this.failure) throw this.failure;
    if (this.finished) throw new CallbackError("CALLBACK_FAILED", "hash worker: digest taken twice");
    this.finished = true;
    this.post({ t: "hash-finish", id: this.id });
    const d = await this.wait();
    return d!;
  }

  dispose(): void {
    if (this.failure || !this.forget(this)) return;
    this.finished = true;
    this.settle((w) => w.reject(new CallbackError("CALLBACK_FAILED", "hash worker: the hash was abandoned")));
    this.drop();
  }

  /** A message of the Worker for this hash. */
  receive(m: FromHashWorker): void {
    if (m.t === "hash-ack") {
      this.queued -= m.bytes;
      if (this.waiter && !this.finished && this.queued <= this.maxQueued) this.settle((w) => w.resolve(undefined));
      else if (this.waiter) this.arm(); // still waiting, but the Worker is alive
    } else if (m.t === "hash-digest") {
      this.forget(this);
      this.settle((w) => w.resolve(m.digest));
    } else {
      this.fail(new CallbackError("CALLBACK_FAILED", `hash worker: ${m.error}`));
    }
  }

  /** Ends the hash with `err` (a waiter gets it, later calls throw it). */
  fail(err: CallbackError): void {
    this.failure ??= err;
    this.forget(this);
    this.settle((w) => w.reject(this.failure));
  }

  private post(m: ToHashWorker, transfer: Transferable[] = []): void {
    try {
      this.port.postMessage(m, transfer);
    } catch (err) {
      this.fail(new CallbackError("CALLBACK_FAILED", "hash worker: could not post to the Worker", { cause: err }));
      throw this.failure;
    }
  }

  /** Tells the Worker to forget this hash (nothing to tell when the Worker is gone). */
  private drop(): void {
    try {
      this.port.postMessage({ t: "hash-drop", id: this.id } satisfies ToHashWorker, []);
    } catch {
      // the Worker is gone: nothing to forget there
    }
  }

  private wait(): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.arm();
    });
  }

  /** (Re)starts the silence limit of the current wait. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.drop();
      this.fail(new CallbackError("CALLBACK_FAILED", `hash worker: no answer for ${this.idleMs} ms`));
    }, this.idleMs);
  }

  private settle(f: (w: Waiter) => void): void {
    clearTimeout(this.timer);
    const w = this.waiter;
    this.waiter = undefined;
    if (w) f(w);
  }
}

let factories = 0;

/**
 * SHA-256 in a Worker that runs `serveHashing(self)`: give it as the `hasher` of a put or a get (one
 * factory serves any number of them, at the same time too).
 * Each chunk is copied to the Worker (its buffer transferred) and hashed there while the page's thread
 * goes on with the socket; a put or get awaits the Worker only when more than `maxQueuedBytes` are
 * waiting to be hashed, and for the digest. A Worker that fails or stays silent for `idleMs` fails the
 * put or get with `CallbackError` `CALLBACK_FAILED` (a put then stores nothing).
 *
 * @example
 * ```ts
 * const hasher = workerSha256(new Worker(new URL("./hash.worker.ts", import.meta.url), { type: "module" }));
 * await store.putFile(file, { hasher }); // hashed in the Worker
 * const res = await store.get(file.name, { hasher }); // verified in the Worker
 * ```
 */
export function workerSha256(port: LanePort, options: WorkerSha256Options = {}): HasherFactory {
  const maxQueued = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  const idleMs = options.idleMs ?? 30_000;
  const open = new Map<string, WorkerHash>();
  const prefix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}${++factories}:`;
  let n = 0;
  const forget = (h: WorkerHash) => open.delete(h.id);
  port.addEventListener("message", (ev: MessageEvent) => {
    const m = ev.data as Partial<FromHashWorker> | null;
    if (typeof m !== "object" || m === null || typeof m.id !== "string") return;
    if (m.t === "hash-ack" || m.t === "hash-digest" || m.t === "hash-error") open.get(m.id)?.receive(m as FromHashWorker);
  });
  port.start?.();
  return () => {
    const h = new WorkerHash(port, `${prefix}${++n}`, maxQueued, idleMs, forget);
    open.set(h.id, h);
    return h;
  };
}
