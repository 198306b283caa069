/** Cuts a stream of byte pieces of any size into chunks of exactly `size` bytes (the last may be shorter). */

/**
 * Yields chunks of `size` bytes from `pieces`. A piece at least a chunk long is passed on without a copy
 * (as subarrays); smaller ones are gathered into a fresh buffer. Each chunk is yielded once and never
 * written to afterwards.
 */
export async function* chunked(pieces: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buf: Uint8Array | undefined;
  let fill = 0;
  for await (const piece of pieces) {
    let off = 0;
    while (off < piece.length) {
      if (fill === 0 && piece.length - off >= size) {
        yield piece.subarray(off, off + size);
        off += size;
        continue;
      }
      buf ??= new Uint8Array(size);
      const n = Math.min(size - fill, piece.length - off);
      buf.set(piece.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === size) {
        yield buf;
        buf = undefined;
        fill = 0;
      }
    }
  }
  if (fill > 0 && buf) yield buf.subarray(0, fill);
}
