/**
 * Driving the demo page as a person would, plus the few things a person does that a headless
 * browser cannot: dropping files (a real DataTransfer drop event dispatched in the page) and
 * picking a save location (a stand-in for `showSaveFilePicker`, installed before the page loads).
 */
import type { Locator, Page } from "playwright-core";

export interface FileSpec {
  name: string;
  type?: string;
  bytes: Uint8Array;
}

/**
 * Installed before any page script: a `showSaveFilePicker` whose file handle's writable records
 * what is written (`__saved[name] = {bytes, parts, closed, aborted}`); `__keepSaved = false` keeps
 * only the count (for big downloads).
 */
export const SAVE_PICKER_INIT = `
  window.__saved = {};
  window.__keepSaved = true;
  window.showSaveFilePicker = async ({ suggestedName }) => ({
    async createWritable() {
      const rec = { bytes: 0, parts: [], closed: false, aborted: null };
      window.__saved[suggestedName] = rec;
      return new WritableStream({
        write(chunk) { rec.bytes += chunk.length; if (window.__keepSaved) rec.parts.push(chunk.slice()); },
        close() { rec.closed = true; },
        abort(reason) { rec.aborted = String(reason && reason.code || reason); },
      });
    },
  });
`;

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

/** Dispatches dragenter, dragover and drop with these files on the drop zone. */
export async function dropFiles(page: Page, files: readonly FileSpec[]): Promise<void> {
  await page.evaluate(dropFilesInPage, dropPayload(files));
}

/** What {@link dropFilesInPage} takes: the files with their bytes as base64. */
export const dropPayload = (files: readonly FileSpec[]) => files.map((f) => ({ name: f.name, type: f.type ?? "", data: b64(f.bytes) }));

/** The page side of {@link dropFiles} (for any engine's `evaluate`). */
export const dropFilesInPage = (list: readonly { name: string; type: string; data: string }[]): void => {
  const dt = new DataTransfer();
  for (const f of list) {
    const bin = atob(f.data);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    dt.items.add(new File([bytes], f.name, { type: f.type }));
  }
  const zone = document.getElementById("drop-zone")!;
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }
};

/**
 * Makes one big file in the page, kept as `__files[name]`: `mib` MiB of xorshift32 words (little
 * endian), built 1 MiB at a time into a Blob, so the bytes live in the browser's blob store and not
 * in the page's heap. {@link patternWords} gives the same bytes in Node.
 */
export async function makeFile(page: Page, name: string, mib: number, seed: number, lastModified = Date.now()): Promise<void> {
  await page.evaluate(makeFileInPage, [name, mib, seed, lastModified] as const);
}

/** The page side of {@link makeFile} (for any engine's `evaluate`). */
export const makeFileInPage = ([name, mib, seed, lastModified]: readonly [string, number, number, number]): void => {
  const parts: Blob[] = [];
  let x = seed >>> 0 || 1;
  for (let m = 0; m < mib; m++) {
    const words = new Uint32Array(262144);
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      words[i] = x;
    }
    parts.push(new Blob([words]));
  }
  const w = window as unknown as { __files?: Record<string, File> };
  (w.__files ??= {})[name] = new File(parts, name, { type: "application/octet-stream", lastModified });
};

/** The bytes {@link makeFile} makes, 1 MiB at a time. */
export function* patternWords(mib: number, seed: number): Generator<Uint8Array> {
  let x = seed >>> 0 || 1;
  for (let m = 0; m < mib; m++) {
    const words = new Uint32Array(262144);
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      words[i] = x;
    }
    yield new Uint8Array(words.buffer);
  }
}

/** Drops a file made by {@link makeFile} on the drop zone (and forgets it in the page). */
export async function dropMade(page: Page, name: string): Promise<void> {
  await page.evaluate(dropMadeInPage, name);
}

/** The page side of {@link dropMade} (for any engine's `evaluate`). */
export const dropMadeInPage = (name: string): void => {
  const w = window as unknown as { __files: Record<string, File> };
  const dt = new DataTransfer();
  dt.items.add(w.__files[name]!);
  delete w.__files[name];
  const zone = document.getElementById("drop-zone")!;
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
};

/** The upload row of a file. */
export const uploadRow = (page: Page, name: string): Locator => page.locator(uploadRowSel(name));
export const uploadRowSel = (name: string) => `#uploads li[data-name="${cssString(name)}"]`;

/** The objects-table row of an object. */
export const objectRow = (page: Page, name: string): Locator => page.locator(objectRowSel(name));
export const objectRowSel = (name: string) => `#objects tbody tr[data-name="${cssString(name)}"]`;

export function cssString(s: string): string {
  return s.replace(/["\\]/g, "\\$&");
}

/** The demo's client choices (demo/src/clients.ts), by the value of its `client` select. */
export type DemoClient = "v3" | "nats.ws";

/** Opens the demo connected to `wsUrl` with `client` (default the demo's default, v3) and waits for the connection. */
export async function openDemo(page: Page, origin: string, wsUrl: string, client: DemoClient = "v3"): Promise<void> {
  await page.goto(`${origin}/?${new URLSearchParams({ server: wsUrl, client })}`);
  await page.locator('#conn-status[data-state="online"]').waitFor({ timeout: 15_000 });
}

/** Selects a bucket in the sidebar (reloading the list first when it is not there yet). */
export async function selectBucket(page: Page, bucket: string): Promise<void> {
  const item = page.locator(`.bucket-item[data-bucket="${cssString(bucket)}"]`);
  if (!(await item.count())) await page.click("#refresh-buckets");
  await item.click();
  await page.locator("#bucket-header h2", { hasText: bucket }).waitFor();
  await page.locator("#objects-count", { hasNotText: "loading" }).waitFor();
}

/** Fills the open dialog's fields by name and submits it. */
export async function submitDialog(page: Page, values: Record<string, string>, submit?: string): Promise<Locator> {
  const dialog = page.locator("dialog[open]");
  await dialog.waitFor();
  for (const [name, value] of Object.entries(values)) {
    const field = dialog.locator(`[name="${name}"]`);
    if ((await field.evaluate((el) => el.tagName)) === "SELECT") await field.selectOption(value);
    else await field.fill(value);
  }
  await (submit ? dialog.getByRole("button", { name: submit }) : dialog.locator('button[type="submit"]')).click();
  return dialog;
}

/** Clicks an action button (Preview, Download, Rename, Link, Delete) of an object's row. */
export async function rowAction(page: Page, name: string, action: "preview" | "download" | "rename" | "link" | "delete"): Promise<void> {
  await objectRow(page, name).locator(`button[data-action="${action}"]`).click();
}

/** What the stand-in save picker received for a file name. */
export async function savedBytes(page: Page, fileName: string): Promise<{ bytes: Uint8Array; count: number; closed: boolean; aborted: string | null }> {
  const r = await page.evaluate(async (n) => {
    const rec = (window as unknown as { __saved: Record<string, { bytes: number; parts: Uint8Array[]; closed: boolean; aborted: string | null }> }).__saved[n];
    if (!rec) return undefined;
    const all = new Uint8Array(await new Blob(rec.parts as BlobPart[]).arrayBuffer());
    let s = "";
    for (let i = 0; i < all.length; i += 0x8000) s += String.fromCharCode(...all.subarray(i, i + 0x8000));
    return { data: btoa(s), count: rec.bytes, closed: rec.closed, aborted: rec.aborted };
  }, fileName);
  if (!r) throw new Error(`nothing was saved as ${fileName}`);
  return { bytes: new Uint8Array(Buffer.from(r.data, "base64")), count: r.count, closed: r.closed, aborted: r.aborted };
}

/** Closes an open dialog, if any (a failed test may leave one open). */
export async function closeDialogs(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const d of document.querySelectorAll("dialog[open]")) (d as HTMLDialogElement).close();
  });
}

/** The text of every toast on screen. */
export async function toastTexts(page: Page): Promise<string[]> {
  return page.locator(".toast").allInnerTexts();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Thrown from an {@link eventually} check: give up at once. */
export class GiveUp extends Error {}

/** Polls `check` until it returns true (or throws its last error at the deadline; a GiveUp at once). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
      last = undefined;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await sleep(100);
  }
}
