/**
 * `nats-objectstore-web/filepond`: a FilePond (4.x) `server` configuration that stores files in a NATS
 * object store bucket. `process` puts the file (progress, abort and errors through FilePond's
 * callbacks; an aborted put purges its chunks), `revert` and `remove` delete the object, `load` and
 * `restore` read it back, verified. No FilePond code is imported: the types below are FilePond's shapes.
 * @module
 */
import { ObjectStoreError } from "../core/errors.js";
import type { ObjectStore } from "../store.js";
import { objectMetaFor, type ObjectHeaders } from "./object-meta.js";

export type { ObjectHeaders } from "./object-meta.js";

/** A file as FilePond hands it over (a `File`, or a Blob with a name). */
export type FilePondFile = Blob & { readonly lastModified: number; readonly name: string };

/** FilePond's progress callback: `(lengthComputable, loaded, total)`. */
export type FilePondProgress = (computable: boolean, loaded: number, total: number) => void;

/** FilePond's `server.process` function. */
export type FilePondProcess = (
  fieldName: string,
  file: FilePondFile,
  metadata: Record<string, unknown>,
  load: (serverId: string) => void,
  error: (text: string) => void,
  progress: FilePondProgress,
  abort: () => void,
) => { abort: () => void };

/** FilePond's `server.load` and `server.restore` functions: read a stored file back by its server id. */
export type FilePondLoad = (
  source: string,
  load: (file: FilePondFile) => void,
  error: (text: string) => void,
  progress: FilePondProgress,
  abort: () => void,
) => { abort: () => void };

/** FilePond's `server.revert` and `server.remove` functions: delete a stored file by its server id. */
export type FilePondRevert = (serverId: string, load: () => void, error: (text: string) => void) => void;

/** The `server` object to give FilePond (`FilePond.create(input, { server })`). */
export interface FilePondServer {
  /** Puts a file; its server id is the object name. */
  process: FilePondProcess;
  /** Undo of an upload: deletes the object. */
  revert: FilePondRevert;
  /** Removal of a file FilePond was given as stored (`type: "local"`): deletes the object. */
  remove: FilePondRevert;
  /** Reads a stored object back as a `File` (verified). */
  load: FilePondLoad;
  /** As `load`, for files FilePond restores as uploaded-but-not-submitted. */
  restore: FilePondLoad;
}

/** Options of {@link filePondServer}. */
export interface FilePondServerOptions {
  /** The object name of a file (default: `file.name`); it is the server id FilePond keeps. */
  objectName?: (file: FilePondFile, metadata: Record<string, unknown>) => string;
  /** FilePond metadata fields stored as the object's metadata (default none). */
  allowedMetaFields?: readonly string[];
  /** Extra object headers, or a function of the file; `Content-Type` comes from `file.type` unless given here. */
  headers?: ObjectHeaders | ((file: FilePondFile) => ObjectHeaders);
  /** Chunk size in bytes (default: the library's, 128 KiB). */
  chunkSize?: number;
  /** How long a put waits for a lost connection to come back before the file fails. */
  reconnectWaitMs?: number;
}

/** The text FilePond shows for a failure: `CODE: message` for this library's errors. */
export function errorText(err: unknown): string {
  if (err instanceof ObjectStoreError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A FilePond `server` configuration that uploads into `store`. The server id of a file is its object
 * name, so `revert` (undo) deletes that object and `load` reads it back.
 */
export function filePondServer(store: ObjectStore, options: FilePondServerOptions = {}): FilePondServer {
  const process: FilePondProcess = (_field, file, metadata, load, error, progress, abort) => {
    const ac = new AbortController();
    const name = options.objectName?.(file, metadata) ?? file.name;
    const headers = typeof options.headers === "function" ? options.headers(file) : options.headers;
    store.put(objectMetaFor({ name, type: file.type, fields: metadata }, options.allowedMetaFields, headers), file, {
      signal: ac.signal,
      ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      ...(options.reconnectWaitMs === undefined ? {} : { reconnectWaitMs: options.reconnectWaitMs }),
      onProgress: (p) => progress(true, p.bytes, p.total ?? file.size),
    }).then(
      (info) => load(info.name),
      (err: unknown) => {
        if (!ac.signal.aborted) error(errorText(err));
      },
    );
    return {
      abort: () => {
        ac.abort(); // the put purges what it sent
        abort();
      },
    };
  };
  const revert: FilePondRevert = (serverId, load, error) => {
    store.delete(serverId).then(load, (err: unknown) => error(errorText(err)));
  };
  const read: FilePondLoad = (source, load, error, progress, abort) => {
    const ac = new AbortController();
    store.get(source, { signal: ac.signal, onProgress: (p) => progress(true, p.bytes, p.total ?? 0) })
      .then(async (result) => {
        const blob = await result.blob(); // typed from the object's Content-Type
        return new File([blob], result.info.name, { type: blob.type });
      })
      .then(load, (err: unknown) => {
        if (!ac.signal.aborted) error(errorText(err));
      });
    return {
      abort: () => {
        ac.abort();
        abort();
      },
    };
  };
  return { process, revert, remove: revert, load: read, restore: read };
}
