/**
 * The demo's main flows in any engine (run-engine-e2e.ts), through EnginePage alone: dropped files
 * uploaded and listed, the live objects table, a download without a save picker, cancelling an upload
 * and resuming one after a page reload. demo.e2e.ts covers the rest of the demo in Chromium.
 *
 * What differs from Chromium on purpose:
 * - No `showSaveFilePicker` in Firefox and WebKit: the demo gathers the object into a Blob and clicks an
 *   `<a download>` with its object URL. The test records that click instead of letting the browser save
 *   the file (WebKit would ask where), and reads the object URL back; in Chromium it hides the picker
 *   so the same path runs.
 * - The reload of the resume test is made by the page itself the moment a checkpoint is in IndexedDB,
 *   so no engine's round trip decides whether the upload is still running when the page goes away.
 */
import { createHash } from "node:crypto";
import { ObjectStoreError } from "../../src/index.js";
import { bytesEqual, equal, ok, rejects } from "../harness/assert.js";
import { testBytes } from "../harness/fixtures.js";
import { objectRowSel, patternWords, sleep, uploadRowSel, type FileSpec } from "./page-helpers.js";
import type { EngineE2EContext, EngineE2ETest } from "./run-engine-e2e.js";

const MiB = 1024 * 1024;
const enc = new TextEncoder();
const FILES: readonly FileSpec[] = [
  { name: "notes.txt", type: "text/plain", bytes: enc.encode("Shopping list\n- milk\n- ünïcode ✓\n".repeat(20)) },
  { name: "data.bin", type: "application/octet-stream", bytes: testBytes(3 * MiB + 123, 7) },
  { name: "empty.txt", type: "text/plain", bytes: new Uint8Array(0) },
  { name: "ünïcode ✓ name.csv", type: "text/csv", bytes: enc.encode("a,b\n1,2\n") },
];
/** Sizes of the generated files: large enough to be caught mid-way, small enough for a busy machine. */
const CANCEL_MIB = 64;
const RESUME_MIB = 96;
/** The demo's IndexedDB of unfinished uploads (demo/src/unfinished-uploads.ts). */
const IDB = { db: "nats-objectstore-demo", store: "unfinished-uploads" } as const;

const bucketOf = (ctx: EngineE2EContext) => `e2e_flows_${ctx.runId}`;
const store = (ctx: EngineE2EContext) => ctx.manager.objectStore(bucketOf(ctx));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Waits until the upload row leaves `uploading`/`queued`; throws unless it ended `done`. */
async function uploaded(ctx: EngineE2EContext, name: string, timeoutMs: number): Promise<void> {
  const row = uploadRowSel(name);
  await ctx.demo.waitFor(`${row}:is([data-state="done"], [data-state="error"], [data-state="cancelled"])`, { timeoutMs });
  const state = await ctx.demo.attr(row, "data-state");
  if (state !== "done") throw new Error(`upload of ${name} ended ${state}: ${await ctx.demo.text(row)}`);
}

// ---- page side (each runs alone in the page: no closures) ------------------------------------------

/**
 * Stands in for the browser's saving of a Blob download: records each click of an `<a download>` whose
 * href is an object URL instead of following it, and hides `showSaveFilePicker` (Chromium's) so the
 * demo takes its fallback. Returns whether there was a picker.
 */
const captureDownloadsInPage = (): boolean => {
  const w = window as unknown as { __downloads?: { name: string; href: string }[]; showSaveFilePicker?: unknown };
  const had = typeof w.showSaveFilePicker === "function";
  Object.defineProperty(window, "showSaveFilePicker", { value: undefined, configurable: true, writable: true });
  if (w.__downloads) return had;
  const list: { name: string; href: string }[] = (w.__downloads = []);
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement): void {
    if (this.hasAttribute("download") && this.href.startsWith("blob:")) list.push({ name: this.download, href: this.href });
    else click.call(this);
  };
  return had;
};

/** What a recorded download's object URL holds: size, type and SHA-256 (hex). */
const readDownloadInPage = async (name: string): Promise<{ size: number; type: string; sha256: string } | null> => {
  const d = (window as unknown as { __downloads: { name: string; href: string }[] }).__downloads.find((x) => x.name === name);
  if (!d) return null;
  const blob = await (await fetch(d.href)).blob();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  return { size: blob.size, type: blob.type, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") };
};

/**
 * Arms a watcher in the page: once the upload (its row `row`) shows progress and a checkpoint of it
 * (`key`) is in IndexedDB, it reloads the page, leaving the progress and the checkpoint's byte count in
 * sessionStorage (`e2e-reload`); an upload that ends first reloads it too, with its progress and 0
 * bytes. Returns at once (the file is dropped after).
 */
const reloadMidUploadInPage = ([row, key, db, storeName, timeoutMs]: readonly [string, string, string, string, number]): void => {
  (window as unknown as { __e2eBeforeReload: boolean }).__e2eBeforeReload = true;
  sessionStorage.removeItem("e2e-reload");
  const deadline = Date.now() + timeoutMs;
  const checkpointBytes = (): Promise<number> =>
    new Promise((resolve) => {
      const req = indexedDB.open(db, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(storeName, { keyPath: "key" });
      req.onerror = () => resolve(0);
      req.onsuccess = () => {
        const get = req.result.transaction(storeName, "readonly").objectStore(storeName).get(key);
        get.onsuccess = () => {
          req.result.close();
          resolve((get.result as { checkpoint?: { bytes?: number } } | undefined)?.checkpoint?.bytes ?? 0);
        };
        get.onerror = () => resolve(0);
      };
    });
  void (async () => {
    while (Date.now() < deadline) {
      const el = document.querySelector(row);
      const progress = Number(el?.getAttribute("data-progress") ?? 0);
      const over = el?.getAttribute("data-state") !== "uploading" && progress > 0; // finished or failed first
      const bytes = progress > 0 && !over ? await checkpointBytes() : 0;
      if (bytes > 0 || over) {
        sessionStorage.setItem("e2e-reload", JSON.stringify({ progress: Number(el?.getAttribute("data-progress")), bytes }));
        location.reload();
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
};

/** Arms a watcher that clicks the row's cancel button as soon as the upload shows `atPercent` progress. */
const cancelAtInPage = ([row, button, atPercent, timeoutMs]: readonly [string, string, number, number]): void => {
  const w = window as unknown as { __cancelledAt?: number };
  delete w.__cancelledAt;
  const deadline = Date.now() + timeoutMs;
  const tick = (): void => {
    const el = document.querySelector(row);
    const progress = Number(el?.getAttribute("data-progress") ?? 0);
    if (el && progress >= atPercent) {
      w.__cancelledAt = progress;
      el.querySelector<HTMLButtonElement>(button)?.click();
    } else if (Date.now() < deadline) setTimeout(tick, 5);
  };
  tick();
};

/**
 * Which of the APIs a streaming page might reach for the engine lacks: without the save picker the demo
 * downloads through a Blob; the library reads streams with plain readers, never the other two.
 */
const missingInPage = (): string[] => {
  const missing: string[] = [];
  if (typeof (window as { showSaveFilePicker?: unknown }).showSaveFilePicker !== "function") missing.push("showSaveFilePicker");
  if (typeof (ReadableStream.prototype as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== "function") missing.push("ReadableStream async iteration");
  try {
    new ReadableStream({ type: "bytes" }).getReader({ mode: "byob" });
  } catch {
    missing.push("BYOB readers");
  }
  return missing;
};

// ---- the tests ---------------------------------------------------------------------------------------

export function flowTests(): EngineE2ETest[] {
  return [
    {
      name: "opens the demo connected to the server given in ?server= and selects a bucket",
      fn: async (ctx) => {
        await ctx.manager.createObjectStore({ bucket: bucketOf(ctx), description: `${ctx.engine} e2e` });
        await ctx.demo.open(ctx.origin, ctx.wsUrl);
        ctx.note(`${ctx.engine} lacks: ${(await ctx.demo.evaluate(missingInPage, null)).join(", ") || "none of the picker, stream async iteration, BYOB readers"}`);
        await ctx.demo.selectBucket(bucketOf(ctx));
        await ctx.demo.waitFor('[data-stat="objects"] strong', { text: "0" });
        await ctx.shot("connected");
      },
    },
    {
      name: "uploads files dropped on the drop zone: progress reaches 100% and they are listed",
      timeoutMs: 90_000,
      fn: async (ctx) => {
        await ctx.demo.dropFiles(FILES);
        for (const f of FILES) {
          await uploaded(ctx, f.name, 60_000);
          equal(await ctx.demo.attr(uploadRowSel(f.name), "data-progress"), "100", `${f.name}: progress`);
          await ctx.demo.waitFor(objectRowSel(f.name));
        }
        await ctx.demo.waitFor('[data-stat="objects"] strong', { text: String(FILES.length) });
        const os = await store(ctx);
        for (const f of FILES) bytesEqual(await os.getBytes(f.name), f.bytes, `${f.name} as stored`);
        ok((await ctx.demo.text(objectRowSel("data.bin"))).includes("3.15 MB"), "size column of data.bin");
        await ctx.shot("uploaded");
      },
    },
    {
      name: "shows a put, a rename and a delete by another client (Node) live",
      fn: async (ctx) => {
        const os = await store(ctx);
        await os.putString("from-node.txt", "hello from node");
        await ctx.demo.waitFor(objectRowSel("from-node.txt"), { text: "15 B" });
        await ctx.shot("live-update");
        await os.updateMeta("from-node.txt", { name: "renamed-by-node.txt" });
        await ctx.demo.waitFor(objectRowSel("renamed-by-node.txt"));
        await ctx.demo.waitFor(objectRowSel("from-node.txt"), { gone: true });
        await os.delete("renamed-by-node.txt");
        await ctx.demo.waitFor(objectRowSel("renamed-by-node.txt"), { gone: true });
      },
    },
    {
      name: "downloads without a save picker: the Blob behind the <a download> holds the object's bytes, digest verified",
      fn: async (ctx) => {
        const picker = await ctx.demo.evaluate(captureDownloadsInPage, null);
        if (picker) ctx.note(`${ctx.engine} has showSaveFilePicker: hidden for this test`);
        const row = objectRowSel("data.bin");
        await ctx.demo.click(`${row} button[data-action="download"]`);
        await ctx.demo.waitFor(`${row} [data-integrity]:not([data-integrity="pending"])`);
        equal(await ctx.demo.attr(`${row} [data-integrity]`, "data-integrity"), "verified", "integrity badge");
        const saved = await ctx.demo.evaluate(readDownloadInPage, "data.bin");
        ok(saved, "no <a download> was clicked for data.bin");
        const expected = FILES.find((f) => f.name === "data.bin")!;
        equal(saved.size, expected.bytes.length, "downloaded size");
        equal(saved.sha256, sha256(expected.bytes), "downloaded SHA-256");
        equal(saved.type, "application/octet-stream", "Blob type");
      },
    },
    {
      name: `cancelling an upload mid-way (${CANCEL_MIB} MiB) leaves no object and no chunks`,
      timeoutMs: 90_000,
      fn: async (ctx) => {
        const os = await store(ctx);
        const before = (await os.status()).messages;
        const name = "cancel-me.bin";
        const row = uploadRowSel(name);
        await ctx.demo.makeFile(name, CANCEL_MIB, 4242, Date.now());
        await ctx.demo.evaluate(cancelAtInPage, [row, `button[aria-label="Cancel upload of ${name}"]`, 2, 60_000] as const);
        await ctx.demo.dropMade(name);
        await ctx.demo.waitFor(`${row}:not([data-state="queued"]):not([data-state="uploading"])`, { timeoutMs: 60_000 });
        const at = await ctx.demo.evaluate(() => (window as unknown as { __cancelledAt?: number }).__cancelledAt ?? null, null);
        equal(await ctx.demo.attr(row, "data-state"), "cancelled", `upload state (cancel clicked at ${at}%)`);
        ok(at !== null && at < 100, `cancel clicked at ${at}%`);
        ctx.note(`cancelled at ${at}%`);
        await ctx.shot("upload-cancelled");
        await rejects(() => os.getInfo(name), ObjectStoreError, "OBJECT_NOT_FOUND");
        const deadline = Date.now() + 20_000;
        while ((await os.status()).messages !== before) {
          if (Date.now() > deadline) throw new Error(`the partial chunks were not purged: ${(await os.status()).messages} messages, ${before} before`);
          await sleep(200);
        }
        equal(await ctx.demo.count(objectRowSel(name)), 0, "rows of the cancelled object");
      },
    },
    {
      name: `an upload cut short by a page reload (${RESUME_MIB} MiB) resumes when the same file is dropped again, byte for byte`,
      timeoutMs: 180_000,
      fn: async (ctx) => {
        const os = await store(ctx);
        const name = "resume-me.bin";
        const lastModified = Date.UTC(2026, 0, 2);
        const size = RESUME_MIB * MiB;
        const row = uploadRowSel(name);
        const key = JSON.stringify([bucketOf(ctx), name, size, lastModified]);
        await ctx.demo.makeFile(name, RESUME_MIB, 777, lastModified);
        await ctx.demo.evaluate(reloadMidUploadInPage, [row, key, IDB.db, IDB.store, 60_000] as const);
        // The page may reload before this call's answer is collected (WebKit polls for it): the
        // sessionStorage mark below is what says whether the drop and the reload happened.
        const dropError = await ctx.demo.dropMade(name).then(() => undefined, (e: Error) => e.message);
        const mark = await reloaded(ctx, 90_000, dropError);
        ok(mark.progress < 100, `the upload finished before the reload (${JSON.stringify(mark)})`);
        await ctx.demo.prepare();
        await ctx.demo.waitFor('#conn-status[data-state="online"]', { timeoutMs: 30_000 });
        await ctx.demo.selectBucket(bucketOf(ctx));
        await ctx.demo.waitFor(`#unfinished-uploads li[data-name="${name}"]`);
        await rejects(() => os.getInfo(name), ObjectStoreError, "OBJECT_NOT_FOUND");
        await ctx.shot("unfinished-upload");

        await ctx.demo.makeFile(name, RESUME_MIB, 777, lastModified); // the same file, picked again
        await ctx.demo.dropMade(name);
        await ctx.demo.click(`${row}[data-offer="resume"] button`, "Resume");
        await uploaded(ctx, name, 120_000);
        const resumedFrom = Number(await ctx.demo.attr(row, "data-resumed-from"));
        ctx.note(`reloaded at ${mark.progress}% (checkpoint ${(mark.bytes / MiB).toFixed(1)} MiB); resumed with ${(resumedFrom / MiB).toFixed(1)} MiB on the server`);
        ok(resumedFrom >= mark.bytes, `resumed from ${resumedFrom} bytes, but the checkpoint before the reload had ${mark.bytes}`);
        const expected = createHash("sha256");
        for (const part of patternWords(RESUME_MIB, 777)) expected.update(part);
        const info = await os.getInfo(name);
        equal(info.size, size, "stored size");
        equal(info.digest, `SHA-256=${expected.digest("base64url")}=`, "stored digest");
        const reader = (await os.get(name)).body.getReader(); // verified against the digest as it is read
        let read = 0;
        for (let r = await reader.read(); !r.done; r = await reader.read()) read += r.value.length;
        equal(read, size, "bytes read back");
        const metasAndChunks = (await os.list({ includeDeleted: true })).reduce((n, o) => n + o.chunks + 1, 0);
        equal((await os.status()).messages, metasAndChunks, "messages: no chunks without a meta left behind");
        await ctx.demo.waitFor(`#unfinished-uploads li[data-name="${name}"]`, { gone: true });
      },
    },
  ];
}

/** Waits for the page that {@link reloadMidUploadInPage} reloaded, and returns its mark. */
async function reloaded(ctx: EngineE2EContext, timeoutMs: number, dropError: string | undefined): Promise<{ progress: number; bytes: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = dropError ? `the drop's evaluate failed: ${dropError}` : "";
  for (;;) {
    try {
      const mark = await ctx.page.evaluate(() => {
        const fresh = !("__e2eBeforeReload" in window) && document.readyState === "complete";
        return fresh ? sessionStorage.getItem("e2e-reload") : null;
      }, null);
      if (mark) return JSON.parse(mark) as { progress: number; bytes: number };
    } catch (e) {
      last = (e as Error).message; // the page is between documents
    }
    if (Date.now() > deadline) throw new Error(`the page did not reload mid-upload within ${timeoutMs} ms${last ? ` (${last})` : ""}`);
    await sleep(200);
  }
}
