/** What the upload-widget adapters share: the meta of an object made from a picked file. */
import type { ObjectMeta } from "../core/meta.js";

/** Headers for an object: NATS-style, each name maps to its values. */
export type ObjectHeaders = Record<string, string[]>;

/** A picked file as the adapters see it: its object name, media type and the widget's meta fields. */
export interface PickedFile {
  /** The object name to store it under. */
  name: string;
  /** The file's media type (`File.type`); empty or missing: no `Content-Type` header. */
  type?: string | undefined;
  /** The widget's meta fields of the file (Uppy's `file.meta`, FilePond's metadata). */
  fields?: Record<string, unknown> | undefined;
}

/**
 * The object meta for a picked file: `Content-Type` from its type (the given `headers` win), and as
 * metadata the listed `metaFields` the file has (strings as they are, other values as JSON).
 */
export function objectMetaFor(file: PickedFile, metaFields: readonly string[] = [], headers: ObjectHeaders = {}): ObjectMeta {
  const meta: ObjectMeta = { name: file.name };
  const all: ObjectHeaders = file.type ? { "Content-Type": [file.type], ...headers } : { ...headers };
  if (Object.keys(all).length > 0) meta.headers = all;
  const metadata: Record<string, string> = {};
  for (const key of metaFields) {
    const value = file.fields?.[key];
    if (value === undefined || value === null) continue;
    metadata[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  if (Object.keys(metadata).length > 0) meta.metadata = metadata;
  return meta;
}
