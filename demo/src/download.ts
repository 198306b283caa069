/**
 * Downloads. Where the browser has `showSaveFilePicker`, the object streams straight to the chosen
 * file through `getFile(name, handle)`. Elsewhere it is gathered into a Blob (in 8 MB pieces, so the
 * bytes live in the browser's blob store, not in the page's JS heap) and saved through a Blob URL.
 * Either way the library verifies size and SHA-256 digest before the body completes.
 */
import type { ObjectInfo, ObjectStore, Progress } from "nats-objectstore-web";

interface SavePickerWindow {
  showSaveFilePicker(opts: { suggestedName: string }): Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;
}

const PIECE = 8 * 1024 * 1024;

/** Reads a stream into a Blob in pieces: the JS heap holds at most ~8 MB of it at any time. */
export async function streamToBlob(body: ReadableStream<Uint8Array>, type = ""): Promise<Blob> {
  const pieces: Blob[] = [];
  let pending: Uint8Array<ArrayBuffer>[] = [];
  let pendingBytes = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending.push(value as Uint8Array<ArrayBuffer>);
    pendingBytes += value.length;
    if (pendingBytes >= PIECE) {
      pieces.push(new Blob(pending));
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pending.length) pieces.push(new Blob(pending));
  return new Blob(pieces, { type });
}

/** The object's content type: its Content-Type header, else a guess from the name's extension. */
export function contentType(info: ObjectInfo): string {
  const header = info.headers?.["Content-Type"]?.[0] ?? info.headers?.["content-type"]?.[0];
  if (header) return header;
  const ext = info.name.toLowerCase().split(".").pop() ?? "";
  return EXT_TYPES[ext] ?? "";
}

const EXT_TYPES: Record<string, string> = {
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", svg: "image/svg+xml",
  avif: "image/avif", bmp: "image/bmp", ico: "image/x-icon",
  mp4: "video/mp4", webm: "video/webm", ogv: "video/ogg", mov: "video/quicktime",
  txt: "text/plain", md: "text/markdown", csv: "text/csv", log: "text/plain", json: "application/json",
  xml: "application/xml", yaml: "text/yaml", yml: "text/yaml", html: "text/html", css: "text/css",
  js: "text/javascript", ts: "text/plain", conf: "text/plain",
};

/** The last part of an object name, as a file name. */
export function fileNameOf(name: string): string {
  return name.split("/").filter(Boolean).pop() ?? "download";
}

/**
 * Saves an object to disk; resolves once every byte is written and verified. Rejects with the
 * library's typed error (`DIGEST_MISMATCH`, `OBJECT_NOT_FOUND`, …), or an AbortError when the person
 * closes the save dialog.
 */
export async function saveObject(store: ObjectStore, name: string, onProgress: (p: Progress) => void): Promise<ObjectInfo> {
  const w = window as unknown as Partial<SavePickerWindow>;
  if (typeof w.showSaveFilePicker === "function") {
    const handle = await w.showSaveFilePicker({ suggestedName: fileNameOf(name) });
    return store.getFile(name, handle, { onProgress });
  }
  const result = await store.get(name, { onProgress });
  const blob = await streamToBlob(result.body, contentType(result.info));
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href: url, download: fileNameOf(name) });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return result.info;
}
