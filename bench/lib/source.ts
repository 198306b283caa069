/**
 * Put sources for the benchmark: the same pull-based ReadableStream for every client, produced on demand
 * from a pool of random bytes (so a 1 GiB put never holds 1 GiB), each piece a fresh copy (a client may
 * keep references to what it was given until the bytes are acknowledged).
 */
export const MiB = 1024 * 1024;
export const KiB = 1024;

/** Random bytes (xorshift, deterministic), filled once per process. */
export function makePool(size = 16 * MiB): Uint8Array {
  const pool = new Uint8Array(size);
  const words = new Uint32Array(pool.buffer);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return pool;
}

/** `size` bytes as a ReadableStream of `piece`-byte copies taken round-robin from `pool`. */
export function sourceStream(size: number, pool: Uint8Array, piece = 1 * MiB): ReadableStream<Uint8Array> {
  let sent = 0;
  let off = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= size) {
          controller.close();
          return;
        }
        const n = Math.min(piece, size - sent);
        if (off + n > pool.length) off = 0;
        controller.enqueue(pool.slice(off, off + n));
        off += n;
        sent += n;
      },
    },
    { highWaterMark: 1 },
  );
}

/** Reads a stream to its end, counting bytes and dropping them. */
export async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.length;
  }
}
