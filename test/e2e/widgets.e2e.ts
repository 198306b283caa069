/**
 * The upload widgets' glue in Chromium, through the widgets themselves on the demo's widgets view
 * (`/?widgets`): Uppy's Dashboard (files dropped on it, its buttons clicked, Golden Retriever's
 * restore after a reload) and FilePond (files picked in its input, its abort and undo buttons). The
 * page connects through a paced relay (widgets-proxy.ts), so uploads of a few MiB in 16 KiB chunks last
 * long enough to act on midway; the library in Node checks what reached the server: the bytes, and the
 * messages per subject of the bucket's stream (no chunks left behind, none sent twice).
 */
import { testBytes } from "../harness/fixtures.js";
import { dropPayload, eventually, GiveUp, objectRow, selectBucket, sleep } from "./page-helpers.js";
import type { E2EContext, E2ETest } from "./run-e2e.js";
import { startPacedRelay, type PacedRelay } from "./widgets-proxy.js";

const RUN = Date.now().toString(36);
/** Each test uploads into a bucket of its own (so one's leftovers cannot fail another): PREFIX_1, PREFIX_2, ... */
const PREFIX = `e2e_widgets_${RUN}`;
let opened = 0;
let BUCKET = PREFIX;
const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK = 16 * KiB;
/** Bytes a second the relay passes from the page: a 3 MiB upload lasts about 1.5 s. */
const PACE = 2 * MiB;

type Page = E2EContext["page"];

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

function sameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  assert(a.length === b.length, `${what}: ${a.length} bytes, expected ${b.length}`);
  assert(Buffer.from(a).equals(Buffer.from(b)), `${what}: bytes differ`);
}

let relay: PacedRelay | undefined;

/** The relay in front of the test server (started once). */
async function paced(ctx: E2EContext): Promise<PacedRelay> {
  relay ??= await startPacedRelay(Number(new URL(ctx.wsUrl).port), PACE);
  relay.rate = PACE;
  relay.accept(); // a test that failed while it refused must not fail the next ones
  return relay;
}

/** Opens the widgets page through the relay, on the test bucket. */
async function openWidgets(ctx: E2EContext, extra: Record<string, string> = {}): Promise<Page> {
  const { page } = ctx;
  const r = await paced(ctx);
  if (page.url().includes("widgets")) await clearUppy(page); // an earlier test's files would be restored
  BUCKET = `${PREFIX}_${++opened}`;
  await ctx.manager.createObjectStore({ bucket: BUCKET, storage: "memory" });
  const query = new URLSearchParams({ widgets: "", server: r.url, client: "v3", chunkSize: String(CHUNK), limit: "2", ...extra });
  await page.goto(`${ctx.origin}/?${query}`);
  await page.locator('#conn-status[data-state="online"]').waitFor({ timeout: 15_000 });
  await selectBucket(page, BUCKET);
  await page.locator(".uppy-Dashboard-inner").waitFor();
  return page;
}

/**
 * Whether FilePond holds `n` files, all uploaded. It throws (with every file's status, and a GiveUp
 * for a failed upload) otherwise, so a timeout says where the uploads stood.
 */
async function pondFinished(page: Page, n: number): Promise<boolean> {
  const files = await page.evaluate(() => {
    const w = window as unknown as { demoWidgets: { pond: { getFiles(): Array<{ filename: string; status: number }> } } };
    const texts = [...document.querySelectorAll(".filepond--item")].map((el) => el.textContent?.replace(/\s+/g, " ").trim() ?? "");
    return w.demoWidgets.pond.getFiles().map((f, i) => ({ name: f.filename, status: f.status, text: texts[i] ?? "" }));
  });
  const states = files.map((f) => `${f.name}: status ${f.status} (${f.text})`).join("; ");
  const PROCESSING_COMPLETE = 5, PROCESSING_ERROR = 6; // FilePond's FileStatus
  if (files.some((f) => f.status === PROCESSING_ERROR)) throw new GiveUp(`an upload failed: ${states}`);
  if (files.length === n && files.every((f) => f.status === PROCESSING_COMPLETE)) return true;
  throw new Error(`${files.length} files: ${states || "none"}`);
}

/** Drops files on Uppy's Dashboard (a DataTransfer drop, as a person's drag would make). */
async function dropOnDashboard(page: Page, files: ReadonlyArray<{ name: string; bytes: Uint8Array; type?: string }>): Promise<void> {
  await page.evaluate(async (list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([await (await fetch(`data:;base64,${f.data}`)).blob()], f.name, { type: f.type }));
    const target = document.querySelector(".uppy-Dashboard-inner")!;
    for (const type of ["dragenter", "dragover", "drop"]) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, dropPayload(files.map((f) => ({ ...f, type: f.type ?? "application/octet-stream" }))));
}

/**
 * Opens the widgets view, drops `f` on the Dashboard, starts the upload and waits until Uppy shows
 * `fraction` of it acknowledged.
 */
async function uploadUntil(ctx: E2EContext, f: { name: string; bytes: Uint8Array }, fraction: number, extra: Record<string, string> = {}): Promise<Page> {
  const page = await openWidgets(ctx, extra);
  await dropOnDashboard(page, [f]);
  await page.locator(".uppy-StatusBar-actionBtn--upload").click();
  await uploadedAtLeast(page, f.name, fraction);
  return page;
}

/** A file's item in the Dashboard. */
const item = (page: Page, name: string) =>
  page.locator(".uppy-Dashboard-Item", { has: page.locator(".uppy-Dashboard-Item-name", { hasText: name }) });

/** Uppy's state of a file by name: uploaded bytes, completion, error, and the kept checkpoint. */
interface UppyFileView { bytesUploaded: number; total: number; complete: boolean; error: string | null; paused: boolean; checkpoint?: { nuid: string; chunks: number } }
async function uppyFile(page: Page, name: string): Promise<UppyFileView | undefined> {
  return page.evaluate((n) => {
    const uppy = (window as unknown as { demoWidgets: { uppy: { getFiles(): Array<Record<string, any>> } } }).demoWidgets.uppy;
    const f = uppy.getFiles().find((x) => x.name === n);
    if (!f) return undefined;
    const cp = f.natsCheckpoint as { nuid: string; chunks: number } | undefined;
    return {
      bytesUploaded: Number(f.progress.bytesUploaded || 0), total: Number(f.size), complete: !!f.progress.uploadComplete,
      error: (f.error as string | null) ?? null, paused: !!f.isPaused, ...(cp ? { checkpoint: { nuid: cp.nuid, chunks: cp.chunks } } : {}),
    };
  }, name);
}

/** Waits until Uppy has this much of a file acknowledged (and it is not done). */
async function uploadedAtLeast(page: Page, name: string, fraction: number): Promise<UppyFileView> {
  let seen: UppyFileView | undefined;
  await eventually(`${name} to pass ${fraction * 100}%`, async () => {
    seen = await uppyFile(page, name);
    if (seen?.error) throw new GiveUp(`${name} failed: ${seen.error}`);
    if (seen?.complete) throw new GiveUp(`${name} finished before it could be acted on`);
    return !!seen && seen.bytesUploaded >= fraction * seen.total;
  }, 20_000);
  return seen!;
}

async function uploadedAll(page: Page, name: string, timeoutMs = 30_000): Promise<void> {
  await eventually(`${name} to be uploaded`, async () => {
    const f = await uppyFile(page, name);
    if (f?.error) throw new GiveUp(`${name} failed: ${f.error}`);
    return !!f?.complete;
  }, timeoutMs);
}

/** Messages per chunk subject (`$O.<bucket>.C.<nuid>`) of the bucket's stream, by nuid. */
async function chunkCounts(ctx: E2EContext): Promise<Map<string, number>> {
  const reply = await ctx.nc.request(`$JS.API.STREAM.INFO.OBJ_${BUCKET}`,
    new TextEncoder().encode(JSON.stringify({ subjects_filter: `$O.${BUCKET}.C.>` })), { timeout: 5000 });
  const info = JSON.parse(new TextDecoder().decode(reply.data)) as { state: { subjects?: Record<string, number> } };
  return new Map(Object.entries(info.state.subjects ?? {}).map(([s, n]) => [s.slice(`$O.${BUCKET}.C.`.length), n]));
}

/** True when every chunk in the stream belongs to a stored object, exactly its chunk count of them. */
async function onlyStoredChunks(ctx: E2EContext): Promise<boolean> {
  const store = await ctx.manager.objectStore(BUCKET);
  const live = new Map((await store.list()).map((o) => [o.nuid, o.chunks]));
  for (const [nuid, n] of await chunkCounts(ctx)) if (live.get(nuid) !== n) return false;
  return true;
}

async function storedAs(ctx: E2EContext, name: string, bytes: Uint8Array): Promise<void> {
  const store = await ctx.manager.objectStore(BUCKET);
  sameBytes(await store.getBytes(name), bytes, `${name} as stored`);
}

async function absent(ctx: E2EContext, name: string): Promise<void> {
  const store = await ctx.manager.objectStore(BUCKET);
  const info = await store.getInfo(name).catch(() => undefined);
  assert(!info, `${name} is stored`);
}

/** The acknowledged bytes of the checkpoint Golden Retriever saved for a file (its IndexedDB record of Uppy's state). */
async function savedCheckpointBytes(page: Page, name: string): Promise<number> {
  return page.evaluate((n) => new Promise<number>((resolve, reject) => {
    const open = indexedDB.open("uppy-blobs");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains("metadata")) return resolve(0);
      const all = db.transaction("metadata").objectStore("metadata").getAll();
      all.onsuccess = () => {
        let bytes = 0;
        for (const record of all.result as Array<{ metadata: string }>) {
          const files = (JSON.parse(record.metadata) as { files?: Record<string, { name: string; natsCheckpoint?: { bytes: number } }> }).files;
          for (const f of Object.values(files ?? {})) if (f.name === n) bytes = Math.max(bytes, f.natsCheckpoint?.bytes ?? 0);
        }
        db.close();
        resolve(bytes);
      };
      all.onerror = () => reject(all.error);
    };
  }), name);
}

/**
 * Waits for an upload that continued an interrupted one (`stored` chunks on the server under `nuid`,
 * `sentBefore`: the relay's count when it went on) and checks it sent only what was left, kept its
 * chunk subject, stored the right bytes and left no stray chunks.
 */
async function continuedWithoutResending(ctx: E2EContext, f: { name: string; bytes: Uint8Array }, stored: number, nuid: string, sentBefore: number, how: string): Promise<void> {
  await uploadedAll(ctx.page, f.name);
  const sent = (await paced(ctx)).bytesUp - sentBefore;
  const left = f.bytes.length - stored * CHUNK;
  ctx.note(`${how} with ${stored} of ${f.bytes.length / CHUNK} chunks stored; then sent ${(sent / KiB).toFixed(0)} KiB for ${(left / KiB).toFixed(0)} KiB left`);
  assert(sent < left * 1.1 + 64 * KiB, `the continued upload sent ${sent} bytes, ${left} were left to send`);
  const info = await (await ctx.manager.objectStore(BUCKET)).getInfo(f.name);
  assert(info.nuid === nuid, "the upload started over instead of continuing");
  await storedAs(ctx, f.name, f.bytes);
  assert(await onlyStoredChunks(ctx), "chunks no object holds are left in the stream");
  await clearUppy(ctx.page);
}

/** Clears the Dashboard (and Golden Retriever's record) between tests. */
async function clearUppy(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { demoWidgets: { uppy: { cancelAll(): void } } }).demoWidgets.uppy.cancelAll());
  await sleep(800); // Golden Retriever saves at most every 500 ms
}

const file = (name: string, size: number, seed: number): { name: string; bytes: Uint8Array; type?: string } => ({ name, bytes: testBytes(size, seed) });

export const tests: E2ETest[] = [
  {
    name: "Uppy Dashboard: dropped files upload two at a time and are stored byte for byte, the objects table shows them live",
    timeoutMs: 60_000,
    fn: async (ctx) => {
      const page = await openWidgets(ctx);
      const files = [file("uppy-a.bin", 700 * KiB + 5, 1), { ...file("uppy-b.txt", 900 * KiB, 2), type: "text/plain" }, file("uppy-c.bin", 1 * MiB + 123, 3)];
      await dropOnDashboard(page, files);
      await page.locator(".uppy-StatusBar-actionBtn--upload").click();
      // never more than two at once (limit=2): the third has sent nothing while two are partway
      let sawLimit = false;
      await eventually("every file to be uploaded", async () => {
        const views = await Promise.all(files.map((f) => uppyFile(page, f.name)));
        const partway = views.filter((v) => v && v.bytesUploaded > 0 && !v.complete).length;
        assert(partway <= 2, `${partway} files uploading at once with limit 2`);
        if (partway === 2 && views.some((v) => v && v.bytesUploaded === 0)) sawLimit = true;
        const failed = views.find((v) => v?.error);
        if (failed) throw new GiveUp(`an upload failed: ${failed.error}`);
        return views.every((v) => v?.complete);
      }, 40_000);
      assert(sawLimit, "never saw two files uploading while the third waited");
      for (const f of files) await storedAs(ctx, f.name, f.bytes);
      const store = await ctx.manager.objectStore(BUCKET);
      const info = await store.getInfo("uppy-b.txt");
      assert(info.headers?.["Content-Type"]?.[0] === "text/plain", `Content-Type ${JSON.stringify(info.headers)}`);
      assert(info.chunks === Math.ceil(900 * KiB / CHUNK), `${info.chunks} chunks of ${CHUNK}`);
      for (const f of files) await objectRow(page, f.name).waitFor();
      await item(page, "uppy-c.bin").and(page.locator(".is-complete")).waitFor();
      await ctx.shot("widgets-uppy-done");
      assert(await onlyStoredChunks(ctx), "chunks no object holds are left in the stream");
      await clearUppy(page);
    },
  },
  {
    name: "Uppy Dashboard: pause holds an upload (nothing more is stored), resume finishes it",
    timeoutMs: 60_000,
    fn: async (ctx) => {
      const f = file("uppy-pause.bin", 5 * MiB, 4);
      const page = await uploadUntil(ctx, f, 0.1);
      await item(page, f.name).getByRole("button", { name: "Pause upload" }).click();
      await sleep(1500); // the chunks in flight (up to 1 MiB) are acknowledged
      const held = [...(await chunkCounts(ctx)).values()].reduce((a, b) => a + b, 0);
      const at = (await uppyFile(page, f.name))!.bytesUploaded;
      await sleep(1500);
      const later = [...(await chunkCounts(ctx)).values()].reduce((a, b) => a + b, 0);
      ctx.note(`paused at ${((at / f.bytes.length) * 100).toFixed(0)}%: ${held} chunks stored, ${later} 1.5 s later`);
      assert(later === held, `a paused upload went on: ${held} chunks, then ${later}`);
      assert(at < f.bytes.length, "the upload finished before the pause");
      assert((await uppyFile(page, f.name))!.paused, "Uppy does not show the file paused");
      await item(page, f.name).getByRole("button", { name: "Resume upload" }).click();
      await uploadedAll(page, f.name);
      await storedAs(ctx, f.name, f.bytes);
      assert(await onlyStoredChunks(ctx), "chunks no object holds are left in the stream");
      await clearUppy(page);
    },
  },
  {
    name: "Uppy Dashboard: removing a file mid-upload aborts its put and purges its chunks",
    timeoutMs: 60_000,
    fn: async (ctx) => {
      const f = file("uppy-cancel.bin", 5 * MiB, 5);
      const page = await uploadUntil(ctx, f, 0.1);
      const before = await chunkCounts(ctx);
      assert([...before.values()].some((n) => n > 0), "no chunks stored before the cancel");
      await item(page, f.name).locator(".uppy-Dashboard-Item-action--remove").click();
      await item(page, f.name).waitFor({ state: "detached" });
      await eventually("the removed upload's chunks to be purged", () => onlyStoredChunks(ctx), 10_000);
      await sleep(500);
      await absent(ctx, f.name);
      assert(await onlyStoredChunks(ctx), "chunks came back after the purge");
    },
  },
  {
    name: "Uppy Dashboard: uploads failed by a lost connection keep their chunks: Retry continues one from them, removing the other purges them",
    timeoutMs: 60_000,
    fn: async (ctx) => {
      const f = file("uppy-retry.bin", 3 * MiB, 6);
      const other = file("uppy-drop-me.bin", 2 * MiB, 11);
      const page = await openWidgets(ctx, { reconnectWaitMs: "1000" });
      await dropOnDashboard(page, [f, other]);
      await page.locator(".uppy-StatusBar-actionBtn--upload").click();
      await uploadedAtLeast(page, f.name, 0.3);
      await uploadedAtLeast(page, other.name, 0.1);
      const r = await paced(ctx);
      r.refuse(); // the connection drops and stays down past the puts' reconnect wait
      const cut = Date.now();
      await eventually("both uploads to fail", async () => !!(await uppyFile(page, f.name))?.error && !!(await uppyFile(page, other.name))?.error, 20_000);
      ctx.note(`the uploads failed ${Date.now() - cut} ms after the connection was cut`);
      const failed = (await uppyFile(page, f.name))!;
      assert(failed.checkpoint, "no checkpoint kept in the file's state");
      const stored = (await chunkCounts(ctx)).get(failed.checkpoint.nuid) ?? 0;
      assert(stored >= failed.checkpoint.chunks && stored > 0, `${stored} chunks stored, the checkpoint says ${failed.checkpoint.chunks}`);
      const dropped = (await uppyFile(page, other.name))!.checkpoint;
      assert(dropped && ((await chunkCounts(ctx)).get(dropped.nuid) ?? 0) > 0, `${other.name} kept no chunks`);
      r.accept();
      const up = Date.now();
      await page.locator('#conn-status[data-state="online"]').waitFor({ timeout: 15_000 });
      ctx.note(`the page reconnected ${Date.now() - up} ms after the relay took connections again`);
      await item(page, other.name).locator(".uppy-Dashboard-Item-action--remove").click();
      await eventually(`the chunks of the removed ${other.name} to be purged`, async () => !(await chunkCounts(ctx)).get(dropped.nuid), 10_000);
      const sentBefore = r.bytesUp;
      await item(page, f.name).getByRole("button", { name: "Retry upload" }).click();
      await continuedWithoutResending(ctx, f, stored, failed.checkpoint.nuid, sentBefore, "failed");
      await absent(ctx, other.name);
    },
  },
  {
    name: "Uppy Dashboard + Golden Retriever: after a reload mid-upload the restored upload finishes without sending the stored chunks again",
    timeoutMs: 90_000,
    fn: async (ctx) => {
      const f = file("uppy-reload.bin", 6 * MiB, 7);
      const page = await uploadUntil(ctx, f, 0.1);
      const r = await paced(ctx);
      // wait until Golden Retriever has saved (in IndexedDB) a checkpoint of 30% or more, then reload
      await eventually("Golden Retriever to save the checkpoint", async () => (await savedCheckpointBytes(page, f.name)) >= 0.3 * f.bytes.length, 20_000);
      assert(!(await uppyFile(page, f.name))?.complete, "the upload finished before the reload");
      await page.reload();
      await page.locator('#conn-status[data-state="online"]').waitFor({ timeout: 15_000 });
      const counts = await chunkCounts(ctx);
      assert(counts.size === 1, `${counts.size} chunk subjects after the reload`);
      const [[nuid, stored]] = [...counts] as [[string, number]];
      await absent(ctx, f.name);
      await selectBucket(page, BUCKET);
      await item(page, f.name).waitFor();
      await page.locator(".uppy-Dashboard-serviceMsg").waitFor(); // "Session restored"
      await ctx.shot("widgets-uppy-restored");
      const sentBefore = r.bytesUp;
      await page.locator(".uppy-StatusBar-actionBtn--upload").click(); // confirms the restore
      await continuedWithoutResending(ctx, f, stored, nuid, sentBefore, "reloaded");
    },
  },
  {
    name: "FilePond: picked files upload with progress and are stored; undo (revert) deletes the object",
    timeoutMs: 60_000,
    fn: async (ctx) => {
      const page = await openWidgets(ctx);
      await page.evaluate(() => {
        const w = window as unknown as { demoWidgets: { pond: { on(e: string, fn: (...a: unknown[]) => void): void } }; __pondProgress: number[] };
        w.__pondProgress = [];
        w.demoWidgets.pond.on("processfileprogress", (_f, p) => w.__pondProgress.push(p as number));
      });
      const files = [{ ...file("pond-a.txt", 600 * KiB, 8), type: "text/plain" }, file("pond-b.bin", 2 * MiB + 7, 9)];
      await page.setInputFiles(".filepond--browser", files.map((f) => ({ name: f.name, mimeType: f.type ?? "application/octet-stream", buffer: Buffer.from(f.bytes) })));
      await eventually("FilePond to finish both", () => pondFinished(page, files.length), 30_000);
      const progress = await page.evaluate(() => (window as unknown as { __pondProgress: number[] }).__pondProgress);
      assert(progress.some((p) => p > 0 && p < 1), `no progress between 0 and 1: ${progress.slice(0, 5).join(", ")}`);
      for (const f of files) await storedAs(ctx, f.name, f.bytes);
      const store = await ctx.manager.objectStore(BUCKET);
      assert((await store.getInfo("pond-a.txt")).headers?.["Content-Type"]?.[0] === "text/plain", "no Content-Type");
      await ctx.shot("widgets-filepond-done");
      await page.locator(".filepond--item", { hasText: "pond-a.txt" }).locator(".filepond--action-revert-item-processing").click();
      await eventually("the reverted object to be deleted", async () => !(await store.getInfo("pond-a.txt").catch(() => undefined)), 10_000);
      await storedAs(ctx, "pond-b.bin", files[1]!.bytes);
      // the delete writes its marker, then purges the chunks
      await eventually("the reverted object's chunks to be purged", () => onlyStoredChunks(ctx), 10_000);
    },
  },
  {
    name: "FilePond: aborting an upload midway purges its chunks",
    timeoutMs: 60_000,
    fn: async (ctx) => {
      const page = await openWidgets(ctx);
      const f = file("pond-abort.bin", 4 * MiB, 10);
      await page.setInputFiles(".filepond--browser", [{ name: f.name, mimeType: "application/octet-stream", buffer: Buffer.from(f.bytes) }]);
      await eventually("chunks of the upload to be stored", async () => [...(await chunkCounts(ctx)).values()].some((n) => n >= 16), 20_000);
      await page.locator(".filepond--item", { hasText: f.name }).locator(".filepond--action-abort-item-processing").click();
      await eventually("the aborted upload's chunks to be purged", () => onlyStoredChunks(ctx), 10_000);
      await sleep(500);
      await absent(ctx, f.name);
      assert(await onlyStoredChunks(ctx), "chunks came back after the purge");
    },
  },
];

/** Removes what the tests left on the server, and the relay (the runner calls it after the last test). */
export async function cleanup(ctx: Pick<E2EContext, "manager">): Promise<void> {
  for (const b of await ctx.manager.names()) {
    if (b.startsWith(PREFIX)) await ctx.manager.deleteObjectStore(b).catch(() => undefined);
  }
  await relay?.close();
  relay = undefined;
}
