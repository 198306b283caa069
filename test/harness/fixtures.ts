/** Helpers shared by the behaviour suites: a fresh bucket, test bytes, slow and failing sources. */
import type { NatsConnection } from "nats.ws";
import { objectStoreManager, type ObjectStore, type ObjectStoreManager } from "../../src/index.js";
import type { TestContext } from "./suite.js";

/** A connection, a manager and a new empty bucket, for one test. */
export interface Fresh {
  nc: NatsConnection;
  manager: ObjectStoreManager;
  store: ObjectStore;
}

/** Opens a connection and creates an empty bucket unique to this test. */
export async function freshBucket(ctx: TestContext, prefix = "t", config: Record<string, unknown> = {}): Promise<Fresh> {
  const nc = await ctx.connect();
  const manager = objectStoreManager(nc);
  const store = await manager.createObjectStore({ bucket: ctx.bucketName(prefix), ...config });
  return { nc, manager, store };
}

/** `n` deterministic pseudo-random bytes (the same `seed` gives the same bytes). */
export function testBytes(n: number, seed = 1): Uint8Array {
  return fillPseudoRandom(new Uint8Array(n), 0, seed * 2654435761 >>> 0 || 1);
}

/** Fills `out` from index `start` with xorshift32 bytes from `state` (non-zero); returns `out`. */
export function fillPseudoRandom(out: Uint8Array, start: number, state: number): Uint8Array {
  let x = state;
  for (let i = start; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A stream of `pieces` pieces of `size` bytes that waits `delayMs` before each, and errors at `failAt` if given. */
export function slowStream(pieces: number, size: number, delayMs: number, failAt?: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (failAt !== undefined && i === failAt) {
        c.error(new Error("disk on fire"));
        return;
      }
      if (i++ >= pieces) c.close();
      else c.enqueue(testBytes(size, i));
    },
  });
}

/** Reads a stream to the end and returns all its bytes. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** `data` in 1 MiB pieces with a 5 ms pause before each, so a fault injected by progress lands mid-put. */
export function paced(data: Uint8Array, piece = 1024 * 1024): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 5));
      if (off >= data.length) return c.close();
      c.enqueue(data.subarray(off, off + piece));
      off += piece;
    },
  });
}
