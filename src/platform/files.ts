/**
 * The platform edge for files: a browser `File` or a path on disk (Deno and Node, through `node:fs`,
 * which both provide) in; a path, a `FileSystemFileHandle` or a `WritableStream` out. Paths stream in
 * pieces: a file never sits whole in memory.
 */
import { InvalidArgumentError, ObjectStoreError, SourceError } from "../core/errors.js";
import type { ObjectMeta } from "../core/meta.js";
import { newNuid } from "../core/nuid.js";

/** What putFile reads: a browser `File`/`Blob`, or a file path in Deno and Node. */
export type FileSource = Blob | string;

/** Where getFile writes: a file path in Deno and Node, a browser `FileSystemFileHandle`, or any `WritableStream`. */
export type FileTarget = string | WritableStream<Uint8Array> | { createWritable(): Promise<WritableStream<Uint8Array>> };

const PIECE = 1024 * 1024;

interface FsHandle {
  read(buf: Uint8Array, off: number, len: number, pos: number | null): Promise<{ bytesRead: number }>;
  write(buf: Uint8Array, off: number, len: number): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}
interface FsPromises {
  open(path: string, flags: string): Promise<FsHandle>;
  stat(path: string): Promise<{ size: number; isFile(): boolean }>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

async function fs(): Promise<FsPromises> {
  const id = "node:fs/promises";
  try {
    return (await import(/* @vite-ignore */ id)) as FsPromises;
  } catch (err) {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "file paths need Deno or Node; in a browser pass a File or a WritableStream", { cause: err });
  }
}

/** The base name of a path: no directory part ever becomes part of an object name. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? "";
}

/** Opens a file source and hands its name and bytes to `put`. */
export async function putFileFrom<T>(
  file: FileSource,
  put: (meta: Pick<ObjectMeta, "name">, source: Blob | AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<T> {
  if (typeof Blob !== "undefined" && file instanceof Blob) {
    return put({ name: (file as File).name ?? "" }, file);
  }
  if (typeof file !== "string" || file === "") {
    throw new InvalidArgumentError("INVALID_ARGUMENT", "putFile needs a File/Blob or a file path");
  }
  const f = await fs();
  let st;
  try {
    st = await f.stat(file);
  } catch (err) {
    throw new SourceError("SOURCE_FAILED", `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isFile()) throw new InvalidArgumentError("INVALID_ARGUMENT", `${file} is not a file`);
  return put({ name: baseName(file) }, readFile(f, file));
}

async function* readFile(f: FsPromises, path: string): AsyncGenerator<Uint8Array> {
  const h = await f.open(path, "r");
  try {
    for (;;) {
      const buf = new Uint8Array(PIECE);
      const { bytesRead } = await h.read(buf, 0, PIECE, null);
      if (bytesRead === 0) return;
      yield bytesRead === PIECE ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await h.close();
  }
}

/** Writes a body to a target; a path is written under a temporary name and renamed only on success. */
export async function getFileTo(body: ReadableStream<Uint8Array>, target: FileTarget): Promise<void> {
  if (typeof target === "string") return writePath(body, target);
  if (typeof WritableStream !== "undefined" && target instanceof WritableStream) return body.pipeTo(target);
  if (target && typeof (target as { createWritable?: unknown }).createWritable === "function") {
    const w = await (target as { createWritable(): Promise<WritableStream<Uint8Array>> }).createWritable();
    return body.pipeTo(w); // an error aborts the writable, so the file keeps its old contents
  }
  await body.cancel();
  throw new InvalidArgumentError("INVALID_ARGUMENT", "getFile needs a path, a FileSystemFileHandle or a WritableStream");
}

async function writePath(body: ReadableStream<Uint8Array>, path: string): Promise<void> {
  const f = await fs();
  const tmp = `${path}.${newNuid()}.part`;
  let h: FsHandle | undefined;
  const reader = body.getReader();
  try {
    h = await f.open(tmp, "w");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await writeAll(h, value);
    }
    await h.close();
    h = undefined;
    await f.rename(tmp, path);
  } catch (err) {
    await reader.cancel(err).catch(() => undefined); // stop fetching chunks
    await h?.close().catch(() => undefined);
    await f.unlink(tmp).catch(() => undefined);
    if (err instanceof ObjectStoreError) throw err;
    throw new SourceError("SOURCE_FAILED", `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function writeAll(h: FsHandle, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const { bytesWritten } = await h.write(data, off, data.length - off);
    off += bytesWritten;
  }
}
