/** Every kind of input a put accepts, turned into one stream of byte pieces. */
import { InvalidArgumentError, SourceError } from "./errors.js";

/** What a put can read from. */
export type PutSource =
  | ReadableStream<Uint8Array>
  | Blob
  | Uint8Array
  | ArrayBuffer
  | string
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

/** A source ready to read: its pieces in order, and its size when known up front. */
export interface OpenedSource {
  pieces: AsyncIterable<Uint8Array>;
  size?: number;
}

const utf8 = new TextEncoder();

/**
 * Opens a source. Throws {@link InvalidArgumentError} `INVALID_ARGUMENT` for anything else. A source that
 * fails when read (a stream that errors, a Blob whose `stream()` throws, an iterator that throws) fails
 * the reading with {@link SourceError} `SOURCE_FAILED`.
 */
export function openSource(source: unknown): OpenedSource {
  if (typeof source === "string") {
    const bytes = utf8.encode(source);
    return { pieces: once(bytes), size: bytes.length };
  }
  if (source instanceof Uint8Array) return { pieces: once(source), size: source.length };
  if (source instanceof ArrayBuffer) return { pieces: once(new Uint8Array(source)), size: source.byteLength };
  if (ArrayBuffer.isView(source)) {
    const v = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return { pieces: once(v), size: v.length };
  }
  if (typeof Blob !== "undefined" && source instanceof Blob) return { pieces: fromBlob(source), size: blobSize(source) };
  if (typeof ReadableStream !== "undefined" && source instanceof ReadableStream) return { pieces: fromStream(source) };
  if (source && typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function") {
    return { pieces: checked(source as AsyncIterable<Uint8Array>) };
  }
  if (source && typeof (source as Iterable<Uint8Array>)[Symbol.iterator] === "function") {
    return { pieces: checked(source as Iterable<Uint8Array>) };
  }
  throw new InvalidArgumentError(
    "INVALID_ARGUMENT",
    "put source must be a ReadableStream, Blob/File, Uint8Array, ArrayBuffer, string or (async) iterable of Uint8Array",
  );
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A Blob's size; a Blob (subclass, File polyfill) whose `size` throws is SOURCE_FAILED. */
function blobSize(blob: Blob): number {
  try {
    const size = blob.size;
    if (Number.isSafeInteger(size) && size >= 0) return size;
  } catch (err) {
    throw failed(err);
  }
  throw new SourceError("SOURCE_FAILED", `the Blob's size is not a byte count`);
}

/** A Blob's bytes, its `stream()` opened when first read (one that throws is SOURCE_FAILED). */
async function* fromBlob(blob: Blob): AsyncGenerator<Uint8Array> {
  let stream: ReadableStream<Uint8Array>;
  try {
    stream = blob.stream();
  } catch (err) {
    throw failed(err);
  }
  yield* fromStream(stream);
}

function failed(err: unknown): SourceError {
  return new SourceError("SOURCE_FAILED", `the source failed: ${(err as Error)?.message ?? err}`, { cause: err });
}

async function* fromStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    if (!(typeof ReadableStream !== "undefined" && stream instanceof ReadableStream) && typeof (stream as { getReader?: unknown })?.getReader !== "function") {
      throw new TypeError(`stream() gave ${typeof stream}, not a ReadableStream`);
    }
    reader = stream.getReader();
  } catch (err) {
    throw new SourceError("SOURCE_FAILED", "the source stream cannot be read (locked?)", { cause: err });
  }
  let done = false;
  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        throw failed(err);
      }
      if (r.done) {
        done = true;
        return;
      }
      yield toBytes(r.value);
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

async function* checked(it: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  try {
    iterator = Symbol.asyncIterator in it ? it[Symbol.asyncIterator]() : (it as Iterable<Uint8Array>)[Symbol.iterator]();
    if (typeof iterator !== "object" || iterator === null || typeof iterator.next !== "function") throw new TypeError("not an iterator");
  } catch (err) {
    throw failed(err);
  }
  let done = false;
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await iterator.next();
      } catch (err) {
        throw failed(err);
      }
      if (r.done) {
        done = true;
        return;
      }
      yield toBytes(r.value);
    }
  } finally {
    // closing a source we stopped reading: its own failure to close is no concern of the put's
    if (!done) await Promise.resolve().then(() => iterator.return?.()).catch(() => undefined);
  }
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === "string") return utf8.encode(v);
  throw new SourceError("SOURCE_FAILED", `the source yielded ${typeof v}, not bytes`);
}
