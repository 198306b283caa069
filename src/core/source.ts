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

/** Opens a source. Throws {@link InvalidArgumentError} `INVALID_ARGUMENT` for anything else. */
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
  if (typeof Blob !== "undefined" && source instanceof Blob) return { pieces: fromStream(source.stream()), size: source.size };
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

async function* fromStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
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
        throw new SourceError("SOURCE_FAILED", `the source failed: ${(err as Error)?.message ?? err}`, { cause: err });
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
  const iterator = Symbol.asyncIterator in it ? it[Symbol.asyncIterator]() : (it as Iterable<Uint8Array>)[Symbol.iterator]();
  let done = false;
  try {
    for (;;) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await iterator.next();
      } catch (err) {
        throw new SourceError("SOURCE_FAILED", `the source failed: ${(err as Error)?.message ?? err}`, { cause: err });
      }
      if (r.done) {
        done = true;
        return;
      }
      yield toBytes(r.value);
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === "string") return utf8.encode(v);
  throw new SourceError("SOURCE_FAILED", `the source yielded ${typeof v}, not bytes`);
}
