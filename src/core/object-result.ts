/** The result of a get: the object's info and its bytes as a stream, read the way a `Response` is. */
import type { ObjectInfo } from "./meta.js";

/** A fetched object. The body can be read once: through `body`, or one of the helpers. */
export class ObjectResult {
  /** @param info the object's info; @param body its bytes; @param range the byte range, for a range read */
  constructor(
    /** The object's info (for a link: the target's). */
    readonly info: ObjectInfo,
    /**
     * The bytes. A whole object is verified as it streams: a mismatch of size, chunk count or digest errors
     * the stream. A range checks its byte count only.
     */
    readonly body: ReadableStream<Uint8Array>,
    /** For a range read, the bytes served; the whole-object digest was then not verified. */
    readonly range?: { offset: number; length: number },
  ) {}

  /**
   * True when the body is checked against the object's digest: a whole-object read of an object whose
   * meta has one. False for a range, and for an object whose meta has no digest (another writer's, or
   * written by hand): its size and chunk count are still checked, its bytes cannot be.
   */
  get digestVerified(): boolean {
    return this.range === undefined && typeof this.info.digest === "string" && this.info.digest !== "";
  }

  /** True once the body has been read or locked. */
  get bodyUsed(): boolean {
    return this.body.locked;
  }

  /** Reads the whole body into one array (rejects with the body's error). */
  async bytes(): Promise<Uint8Array> {
    const reader = this.body.getReader();
    const parts: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(size);
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }

  /** Reads the whole body into an ArrayBuffer. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.bytes();
    if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b.buffer as ArrayBuffer;
    // a copy made explicitly: a client may hand out Node Buffers, whose slice() is a view of a shared pool
    const copy = new Uint8Array(b.byteLength);
    copy.set(b);
    return copy.buffer;
  }

  /** Reads the whole body as UTF-8 text. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  /**
   * Reads the whole body into a Blob (typed from the object's `Content-Type` header when it has one).
   * Pieces are folded into the Blob every few MiB, so a browser keeps the bytes in its blob store, not
   * in the JavaScript heap.
   */
  async blob(): Promise<Blob> {
    const type = this.info.headers?.["Content-Type"]?.[0] ?? this.info.metadata?.["Content-Type"] ?? "";
    let blob = new Blob([], { type });
    let parts: BlobPart[] = [];
    let held = 0;
    const reader = this.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value as Uint8Array<ArrayBuffer>);
      held += value.length;
      if (held >= 8 * 1024 * 1024) {
        blob = new Blob([blob, ...parts], { type });
        parts = [];
        held = 0;
      }
    }
    return new Blob([blob, ...parts], { type });
  }
}
