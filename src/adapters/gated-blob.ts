/** A Blob whose stream waits before each read: a put reading it holds still while its upload is paused. */

/**
 * The same bytes (and size, and type) as `blob`, but its `stream()` awaits `ready()` before it reads each
 * piece: a put given it stops reading, and so sending, while `ready()` waits, and keeps its connection,
 * its acknowledged chunks and its place. A rejection of `ready()` errors the stream.
 */
export function gatedBlob(blob: Blob, ready: () => Promise<void>): Blob {
  return new GatedBlob(blob, ready);
}

/** The largest piece the stream hands on at once. */
const PIECE = 64 * 1024;

class GatedBlob extends Blob {
  readonly #source: Blob;
  readonly #ready: () => Promise<void>;

  constructor(source: Blob, ready: () => Promise<void>) {
    super([source], { type: source.type }); // a Blob made of a Blob refers to its bytes, it does not copy them
    this.#source = source;
    this.#ready = ready;
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const reader = this.#source.stream().getReader();
    const ready = this.#ready;
    let rest: Uint8Array<ArrayBuffer> | undefined;
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      async pull(controller) {
        await ready();
        if (!rest?.length) {
          const r = await reader.read();
          if (r.done) return controller.close();
          rest = r.value;
        }
        // a Blob may give its bytes in one piece: hand them on in small ones, each let through by ready()
        controller.enqueue(rest.subarray(0, PIECE));
        rest = rest.subarray(PIECE);
      },
      cancel: (reason) => reader.cancel(reason),
    }, { highWaterMark: 0 });
  }
}
