/**
 * The demo app's end-to-end tests, in order, on one page (like one person's session). Each test
 * checks the page and, through the Node client, what actually reached the server.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { ObjectStoreError } from "../../src/index.js";
import { HeapSampler } from "./heap.js";
import {
  dropFiles, dropMade, eventually, GiveUp, makeFile, objectRow, openDemo, patternWords, rowAction, savedBytes,
  selectBucket, sleep, submitDialog, uploadRow, type DemoClient, type FileSpec,
} from "./page-helpers.js";
import type { E2EContext, E2ETest } from "./run-e2e.js";
import { testBytes } from "../harness/fixtures.js";

const RUN = Date.now().toString(36);
const BUCKET = `e2e_files_${RUN}`;
const BIG_BUCKET = `e2e_big_${RUN}`;
const GONE_BUCKET = `e2e_gone_${RUN}`;
const CLIENTS_BUCKET = `e2e_clients_${RUN}`;
const MiB = 1024 * 1024;
/**
 * Size of the large up/down test. 256 MiB (up + down, both SHA-256 hashed in the page) takes about
 * 10 s here; the full 1 GiB run belongs to the benchmark.
 */
const LARGE_MIB = Number(process.env.E2E_LARGE_MIB ?? 256);
const HEAP_LIMIT = 128 * MiB;

const enc = new TextEncoder();
const NOTES = "Shopping list\n- milk\n- bread\n- ünïcode ✓\n".repeat(20);
const files: FileSpec[] = [
  { name: "notes.txt", type: "text/plain", bytes: enc.encode(NOTES) },
  { name: "data.bin", type: "application/octet-stream", bytes: testBytes(3 * MiB + 123, 7) },
  { name: "empty.txt", type: "text/plain", bytes: new Uint8Array(0) },
  { name: "ünïcode ✓ name.csv", type: "text/csv", bytes: enc.encode("a,b\n1,2\n") },
  { name: "sixteen.bin", bytes: testBytes(16 * MiB, 16) },
];
const fileBytes = (name: string) => files.find((f) => f.name === name)!.bytes;

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

function sameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  assert(a.length === b.length, `${what}: ${a.length} bytes, expected ${b.length}`);
  assert(Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length)), `${what}: bytes differ`);
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert(e instanceof ObjectStoreError && e.code === code, `expected ${code}, got ${(e as Error).message}`);
    return;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}

/** A readable error: a code, a message, and no stack trace or source location. */
function readable(text: string): void {
  assert(!/\n\s*at |\.ts:\d+|\.js:\d+/.test(text), `error text looks like a stack trace: ${text}`);
}

/** A PNG drawn on a canvas in the page (so the preview shows a real image). */
async function makePng(ctx: E2EContext): Promise<FileSpec> {
  const data = await ctx.page.evaluate(async () => {
    const c = new OffscreenCanvas(480, 270);
    const g = c.getContext("2d")!;
    const grad = g.createLinearGradient(0, 0, 480, 270);
    grad.addColorStop(0, "#27aae1");
    grad.addColorStop(1, "#34a574");
    g.fillStyle = grad;
    g.fillRect(0, 0, 480, 270);
    g.fillStyle = "rgba(255,255,255,.9)";
    g.font = "bold 44px sans-serif";
    g.fillText("NATS Object Store", 34, 150);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: "image/png" })).arrayBuffer());
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  });
  return { name: "photo.png", type: "image/png", bytes: new Uint8Array(Buffer.from(data, "base64")) };
}

/** A loopback port nothing listens on. */
function freeClosedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const store = (ctx: E2EContext, bucket = BUCKET) => ctx.manager.objectStore(bucket);

export const tests: E2ETest[] = [
  {
    name: "a server that cannot be reached is a readable error; the connect form then connects",
    fn: async (ctx) => {
      const { page } = ctx;
      const closed = await freeClosedPort();
      await page.goto(`${ctx.origin}/?server=${encodeURIComponent(`ws://127.0.0.1:${closed}`)}`);
      const toast = page.locator(".toast-error", { hasText: `ws://127.0.0.1:${closed}` });
      await toast.waitFor();
      const text = await toast.innerText();
      readable(text);
      assert(text.includes("CONNECTION_REFUSED"), `no error code in: ${text}`);
      await ctx.shot("connect-error");
      await page.fill('input[name="server"]', ctx.wsUrl);
      await page.click("#connect-btn");
      await page.locator('#conn-status[data-state="online"]').waitFor();
    },
  },
  {
    name: "connects to the server given in ?server= and offers to pick a bucket",
    fn: async (ctx) => {
      await openDemo(ctx.page, ctx.origin, ctx.wsUrl);
      await ctx.page.locator("#empty-state", { hasText: "Pick a bucket" }).waitFor();
      assert(await ctx.page.locator("#new-bucket").isEnabled(), "New bucket is disabled while connected");
      await ctx.shot("connected");
    },
  },
  {
    name: "creates a bucket with description, storage, TTL and max size through the form",
    fn: async (ctx) => {
      await ctx.page.click("#new-bucket");
      await submitDialog(ctx.page, {
        bucket: BUCKET, description: "Files dropped by the e2e test", storage: "file", ttl: "1", ttlUnit: "d", maxBytes: "1", maxUnit: "GiB",
      });
      await ctx.page.locator("#bucket-header h2", { hasText: BUCKET }).waitFor();
      await ctx.page.locator('[data-stat="ttl"] strong', { hasText: "24 h" }).waitFor();
      await ctx.page.locator('[data-stat="objects"] strong', { hasText: "0" }).waitFor();
      const s = await (await store(ctx)).status();
      assert(s.ttl === 86_400_000, `ttl ${s.ttl}`);
      assert(s.maxBytes === 2 ** 30, `maxBytes ${s.maxBytes}`);
      assert(s.storage === "file" && s.description === "Files dropped by the e2e test", `status ${JSON.stringify(s)}`);
      assert(await ctx.page.locator(`.bucket-item[data-bucket="${BUCKET}"][aria-current="true"]`).count() === 1, "bucket not selected in the list");
    },
  },
  {
    name: "shows bucket errors as code + message in the form (bad name, replicas without a cluster)",
    fn: async (ctx) => {
      const { page } = ctx;
      await page.click("#new-bucket");
      const dialog = await submitDialog(page, { bucket: "no spaces allowed" });
      const error = dialog.locator(".form-error");
      await error.locator(".err-code", { hasText: "INVALID_STORE_NAME" }).waitFor();
      readable(await error.innerText());
      await submitDialog(page, { bucket: `e2e_replicas_${RUN}`, replicas: "3" });
      await error.locator(".err-code", { hasNotText: "INVALID_STORE_NAME" }).waitFor();
      const text = await error.innerText();
      readable(text);
      assert(/replica|cluster/i.test(text), `replicas error: ${text}`);
      await ctx.shot("bucket-form-error");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      assert(!(await ctx.manager.names()).includes(`e2e_replicas_${RUN}`), "a bucket was created anyway");
    },
  },
  {
    name: "uploads files dropped on the drop zone: progress reaches 100% and they are listed",
    timeoutMs: 60_000,
    fn: async (ctx) => {
      const { page } = ctx;
      files.unshift(await makePng(ctx));
      await dropFiles(page, files);
      for (const f of files) {
        const row = uploadRow(page, f.name);
        await row.and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 });
        assert((await row.getAttribute("data-progress")) === "100", `${f.name}: progress ${await row.getAttribute("data-progress")}`);
        await objectRow(page, f.name).waitFor();
      }
      await page.locator('[data-stat="objects"] strong', { hasText: String(files.length) }).waitFor();
      const os = await store(ctx);
      const listed = new Map((await os.list()).map((i) => [i.name, i]));
      for (const f of files) {
        assert(listed.get(f.name)?.size === f.bytes.length, `${f.name}: server has ${listed.get(f.name)?.size}`);
        sameBytes(await os.getBytes(f.name), f.bytes, `${f.name} as stored`);
      }
      assert((await objectRow(page, "data.bin").innerText()).includes("3.15 MB"), "size column of data.bin");
      await ctx.shot("uploaded");
    },
  },
  {
    name: "previews an image and a text object with a verified integrity badge",
    fn: async (ctx) => {
      const { page } = ctx;
      await rowAction(page, "photo.png", "preview");
      const dialog = page.locator("dialog.preview[open]");
      await dialog.locator('[data-integrity="verified"]').waitFor();
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>("dialog.preview img");
        return !!img && img.complete && img.naturalWidth === 480;
      });
      await ctx.shot("preview-image");
      await dialog.getByRole("button", { name: "Close preview" }).click();
      await rowAction(page, "notes.txt", "preview");
      await dialog.locator('[data-integrity="verified"]').waitFor();
      const text = await dialog.locator("pre").innerText();
      assert(text.trim() === NOTES.trim(), "text preview differs");
      await dialog.getByRole("button", { name: "Close preview" }).click();
    },
  },
  {
    name: "downloads to a file through showSaveFilePicker + getFile, byte for byte, digest verified",
    fn: async (ctx) => {
      const { page } = ctx;
      await rowAction(page, "data.bin", "download");
      await objectRow(page, "data.bin").locator('[data-integrity="verified"]').waitFor();
      const saved = await savedBytes(page, "data.bin");
      assert(saved.closed && !saved.aborted, `writable closed ${saved.closed}, aborted ${saved.aborted}`);
      sameBytes(saved.bytes, fileBytes("data.bin"), "saved data.bin");
    },
  },
  {
    name: "downloads through a Blob URL where there is no save picker",
    fn: async (ctx) => {
      const { page } = ctx;
      await page.evaluate(() => {
        const w = window as unknown as { showSaveFilePicker?: unknown; __picker?: unknown };
        w.__picker = w.showSaveFilePicker;
        delete w.showSaveFilePicker;
      });
      try {
        const downloading = page.waitForEvent("download");
        await rowAction(page, "sixteen.bin", "download");
        const download = await downloading;
        assert(download.suggestedFilename() === "sixteen.bin", `file name ${download.suggestedFilename()}`);
        sameBytes(new Uint8Array(readFileSync(await download.path())), fileBytes("sixteen.bin"), "downloaded sixteen.bin");
        await objectRow(page, "sixteen.bin").locator('[data-integrity="verified"]').waitFor();
      } finally {
        await page.evaluate(() => {
          const w = window as unknown as { showSaveFilePicker?: unknown; __picker?: unknown };
          w.showSaveFilePicker = w.__picker;
        });
      }
    },
  },
  {
    name: "shows a put, a rename and a delete by another client (Node) live",
    fn: async (ctx) => {
      const { page } = ctx;
      const os = await store(ctx);
      await os.putString("from-node.txt", "hello from node");
      const row = objectRow(page, "from-node.txt");
      await row.waitFor({ timeout: 5000 });
      assert((await row.innerText()).includes("15 B"), `row: ${await row.innerText()}`);
      await ctx.shot("live-update");
      await os.updateMeta("from-node.txt", { name: "renamed-by-node.txt" });
      await objectRow(page, "renamed-by-node.txt").waitFor({ timeout: 5000 });
      await row.waitFor({ state: "detached", timeout: 5000 });
      await os.delete("renamed-by-node.txt");
      await objectRow(page, "renamed-by-node.txt").waitFor({ state: "detached", timeout: 5000 });
    },
  },
  {
    name: "cancelling an upload mid-way leaves no object and no chunks",
    timeoutMs: 60_000,
    fn: async (ctx) => {
      const { page } = ctx;
      const os = await store(ctx);
      const before = (await os.status()).messages;
      await makeFile(page, "cancel-me.bin", 128, 4242);
      await dropMade(page, "cancel-me.bin");
      const row = uploadRow(page, "cancel-me.bin");
      await eventually("the upload to start", async () => Number(await row.getAttribute("data-progress")) >= 2, 20_000);
      const at = await row.getAttribute("data-progress");
      await row.getByRole("button", { name: "Cancel upload of cancel-me.bin" }).click();
      await row.and(page.locator('[data-state="cancelled"]')).waitFor();
      ctx.note(`cancelled at ${at}%`);
      assert(Number(at) < 100, "the upload finished before it could be cancelled");
      await ctx.shot("upload-cancelled");
      await rejectsWith(os.getInfo("cancel-me.bin"), "OBJECT_NOT_FOUND");
      await eventually("the partial chunks to be purged", async () => (await os.status()).messages === before, 10_000);
      assert((await objectRow(page, "cancel-me.bin").count()) === 0, "the cancelled object is listed");
    },
  },
  {
    name: "an upload cut short by a page reload resumes when the same file is picked again, byte for byte",
    timeoutMs: 120_000,
    fn: async (ctx) => {
      const { page } = ctx;
      const os = await store(ctx);
      const name = "resume-me.bin";
      const mib = 160;
      const lastModified = Date.UTC(2026, 0, 2);
      await makeFile(page, name, mib, 777, lastModified);
      await dropMade(page, name);
      const row = uploadRow(page, name);
      await eventually("the upload to pass 10%", async () => Number(await row.getAttribute("data-progress")) >= 10, 30_000);
      await sleep(300); // the demo writes checkpoints to IndexedDB at most every 250 ms
      const at = Number(await row.getAttribute("data-progress"));
      assert(at < 100, "the upload finished before the reload");
      await page.reload();
      await page.locator('#conn-status[data-state="online"]').waitFor({ timeout: 15_000 });
      await selectBucket(page, BUCKET);
      await page.locator(`#unfinished-uploads li[data-name="${name}"]`).waitFor();
      await rejectsWith(os.getInfo(name), "OBJECT_NOT_FOUND");
      await ctx.shot("unfinished-upload");

      await makeFile(page, name, mib, 777, lastModified); // the same file, picked again
      await dropMade(page, name);
      await row.and(page.locator('[data-offer="resume"]')).waitFor();
      await row.getByRole("button", { name: "Resume", exact: true }).click();
      await eventually("the resumed upload to finish", async () => {
        const state = await row.getAttribute("data-state");
        if (state === "error" || state === "cancelled") throw new GiveUp(`upload ${state}: ${(await row.innerText()).replace(/\s+/g, " ")}`);
        return state === "done";
      }, 90_000);
      const resumedFrom = Number(await row.getAttribute("data-resumed-from"));
      ctx.note(`reloaded at ${at}%; resumed with ${(resumedFrom / MiB).toFixed(1)} MiB already on the server`);
      assert(resumedFrom >= (at / 100) * mib * MiB * 0.5, `resumed from ${resumedFrom} bytes after a reload at ${at}%`);
      const expected = createHash("sha256");
      for (const part of patternWords(mib, 777)) expected.update(part);
      const info = await os.getInfo(name);
      assert(info.size === mib * MiB, `stored size ${info.size}`);
      assert(info.digest === `SHA-256=${expected.digest("base64url")}=`, `stored digest ${info.digest}`);
      const reader = (await os.get(name)).body.getReader(); // verified against the digest as it is read
      let read = 0;
      for (let r = await reader.read(); !r.done; r = await reader.read()) read += r.value.length;
      assert(read === info.size, `read ${read} bytes`);
      const metasAndChunks = (await os.list({ includeDeleted: true })).reduce((n, o) => n + o.chunks + 1, 0);
      assert((await os.status()).messages === metasAndChunks, "chunks no meta names were left behind");
      await page.locator(`#unfinished-uploads li[data-name="${name}"]`).waitFor({ state: "detached" });
    },
  },
  {
    name: "renames an object through the dialog",
    fn: async (ctx) => {
      const { page } = ctx;
      await rowAction(page, "data.bin", "rename");
      await submitDialog(page, { name: "renamed.bin" });
      await objectRow(page, "renamed.bin").waitFor();
      await objectRow(page, "data.bin").waitFor({ state: "detached" });
      const os = await store(ctx);
      assert((await os.getInfo("renamed.bin")).size === fileBytes("data.bin").length, "renamed size");
      await rejectsWith(os.getInfo("data.bin"), "OBJECT_NOT_FOUND");
      sameBytes(await os.getBytes("renamed.bin"), fileBytes("data.bin"), "renamed.bin");
    },
  },
  {
    name: "refuses a rename onto an existing name with a readable OBJECT_ALREADY_EXISTS",
    fn: async (ctx) => {
      const { page } = ctx;
      await rowAction(page, "renamed.bin", "rename");
      const dialog = await submitDialog(page, { name: "notes.txt" });
      await dialog.locator(".form-error .err-code", { hasText: "OBJECT_ALREADY_EXISTS" }).waitFor();
      readable(await dialog.locator(".form-error").innerText());
      await ctx.shot("rename-error");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await objectRow(page, "renamed.bin").waitFor();
    },
  },
  {
    name: "makes a link; the table shows its target and a download through it gives the target's bytes",
    fn: async (ctx) => {
      const { page } = ctx;
      await rowAction(page, "notes.txt", "link");
      await submitDialog(page, { name: "notes-link.txt" });
      const row = objectRow(page, "notes-link.txt");
      await row.waitFor();
      assert((await row.getAttribute("data-link")) === "notes.txt", `data-link ${await row.getAttribute("data-link")}`);
      assert((await row.innerText()).includes("→ notes.txt"), "link target not shown");
      const os = await store(ctx);
      const info = await os.getInfo("notes-link.txt");
      assert(info.options?.link?.name === "notes.txt" && info.options.link.bucket === BUCKET, `link ${JSON.stringify(info.options)}`);
      assert((await os.getString("notes-link.txt")) === NOTES, "reading the link in Node");
      await rowAction(page, "notes-link.txt", "download");
      await row.locator('[data-integrity="verified"]').waitFor();
      sameBytes((await savedBytes(page, "notes-link.txt")).bytes, enc.encode(NOTES), "download through the link");
    },
  },
  {
    name: "deletes an object after confirmation",
    fn: async (ctx) => {
      const { page } = ctx;
      await rowAction(page, "empty.txt", "delete");
      await submitDialog(page, {}, "Delete");
      await objectRow(page, "empty.txt").waitFor({ state: "detached" });
      await rejectsWith((await store(ctx)).getInfo("empty.txt"), "OBJECT_NOT_FOUND");
    },
  },
  {
    name: "seals the bucket: the status says sealed and a later upload fails with BUCKET_SEALED",
    fn: async (ctx) => {
      const { page } = ctx;
      await page.click("#seal-bucket");
      await submitDialog(page, {}, "Seal bucket");
      await page.locator("#sealed-badge").waitFor();
      assert((await (await store(ctx)).status()).sealed, "the server says not sealed");
      await dropFiles(page, [{ name: "too-late.txt", type: "text/plain", bytes: enc.encode("too late") }]);
      const row = uploadRow(page, "too-late.txt");
      await row.and(page.locator('[data-state="error"]')).waitFor();
      const text = await row.locator(".upload-detail").innerText();
      assert(text.includes("BUCKET_SEALED"), `upload error: ${text}`);
      readable(text);
      await ctx.shot("sealed");
      await rejectsWith((await store(ctx)).getInfo("too-late.txt"), "OBJECT_NOT_FOUND");
    },
  },
  {
    name: "deletes a bucket after confirmation",
    fn: async (ctx) => {
      const { page } = ctx;
      const os = await ctx.manager.createObjectStore({ bucket: GONE_BUCKET, storage: "memory" });
      await os.putString("x", "y");
      await selectBucket(page, GONE_BUCKET);
      await objectRow(page, "x").waitFor();
      await page.click("#delete-bucket");
      await submitDialog(page, {}, "Delete bucket");
      await page.locator(`.bucket-item[data-bucket="${GONE_BUCKET}"]`).waitFor({ state: "detached" });
      await page.locator("#empty-state", { hasText: "Pick a bucket" }).waitFor();
      assert(!(await ctx.manager.names()).includes(GONE_BUCKET), "the bucket is still on the server");
    },
  },
  {
    name: `large: ${LARGE_MIB} MiB from a generated Blob up and down in Chromium, digest verified, heap growth < 128 MiB`,
    timeoutMs: 150_000,
    fn: async (ctx) => {
      const { page } = ctx;
      await ctx.manager.createObjectStore({ bucket: BIG_BUCKET, description: "large object round trip" });
      await selectBucket(page, BIG_BUCKET);
      const name = "big.bin";
      const size = LARGE_MIB * MiB;
      const expected = createHash("sha256");
      for (const part of patternWords(LARGE_MIB, 1234)) expected.update(part);
      const digest = `SHA-256=${expected.digest("base64url")}=`;
      const heap = await HeapSampler.open(page);
      try {
        // Chromium keeps generated Blobs in memory (~2% of RAM for all of them): let the earlier
        // tests' Blobs go first.
        await heap.gc();
        await new Promise((r) => setTimeout(r, 500));
        await makeFile(page, name, LARGE_MIB, 1234);
        let shot = false;
        const up = await heap.measure(async () => {
          const t0 = Date.now();
          await dropMade(page, name);
          const row = uploadRow(page, name);
          await eventually("the upload to finish", async () => {
            if (!shot && Number(await row.getAttribute("data-progress")) >= 30) {
              shot = true;
              await ctx.shot("uploading");
            }
            const state = await row.getAttribute("data-state");
            if (state === "error" || state === "cancelled") throw new GiveUp(`upload ${state}: ${(await row.innerText()).replace(/\s+/g, " ")}`);
            return state === "done";
          }, 120_000);
          return Date.now() - t0;
        });
        const info = await (await store(ctx, BIG_BUCKET)).getInfo(name);
        assert(info.size === size, `stored size ${info.size}`);
        assert(info.digest === digest, `stored digest ${info.digest}, expected ${digest}`);

        await page.evaluate(() => ((window as unknown as { __keepSaved: boolean }).__keepSaved = false));
        const down = await heap.measure(async () => {
          const t0 = Date.now();
          await rowAction(page, name, "download");
          await objectRow(page, name).locator('[data-integrity="verified"]').waitFor({ timeout: 120_000 });
          return Date.now() - t0;
        });
        await page.evaluate(() => ((window as unknown as { __keepSaved: boolean }).__keepSaved = true));
        const saved = await page.evaluate((n) => (window as unknown as { __saved: Record<string, { bytes: number; closed: boolean }> }).__saved[n], name);
        assert(saved?.closed && saved.bytes === size, `saved ${JSON.stringify(saved)}`);

        const mb = (n: number) => (n / MiB).toFixed(1);
        const rate = (ms: number) => ((size / 1e6) / (ms / 1000)).toFixed(0);
        ctx.note(`large ${LARGE_MIB} MiB: upload ${(up.result / 1000).toFixed(1)} s (${rate(up.result)} MB/s), heap +${mb(up.heap.growth)} MiB (base ${mb(up.heap.baseline)}, peak ${mb(up.heap.peak)}, ${up.heap.samples} samples)`);
        ctx.note(`large ${LARGE_MIB} MiB: download ${(down.result / 1000).toFixed(1)} s (${rate(down.result)} MB/s), heap +${mb(down.heap.growth)} MiB (base ${mb(down.heap.baseline)}, peak ${mb(down.heap.peak)}, ${down.heap.samples} samples)`);
        ctx.note(`heap = V8 used size${up.heap.countsBackingStores ? " + ArrayBuffer backing stores" : " (backing stores not reported by this Chromium)"}`);
        assert(up.heap.growth < HEAP_LIMIT, `upload heap growth ${mb(up.heap.growth)} MiB`);
        assert(down.heap.growth < HEAP_LIMIT, `download heap growth ${mb(down.heap.growth)} MiB`);
        await ctx.shot("large-done");
      } finally {
        await heap.close();
        await ctx.manager.deleteObjectStore(BIG_BUCKET).catch(() => undefined);
      }
    },
  },
  {
    name: "connects with user + password; a wrong password is a readable AUTHORIZATION_VIOLATION",
    fn: async (ctx) => {
      const { page } = ctx;
      const { startNatsServer } = await import("../harness/nats-server.js");
      const secured = await startNatsServer({ config: "authorization { user: demo, password: s3cret }" });
      try {
        await page.click("#connect-btn"); // disconnect
        await page.locator('#conn-status[data-state="offline"]').waitFor();
        await page.fill('input[name="server"]', secured.url);
        await page.selectOption('select[name="auth"]', "user");
        await page.fill('input[name="user"]', "demo");
        await page.fill('input[name="pass"]', "wrong");
        await page.click("#connect-btn");
        const toast = page.locator(".toast-error", { hasText: secured.url });
        await toast.waitFor();
        const text = await toast.innerText();
        readable(text);
        assert(/AUTHORIZATION_VIOLATION/.test(text), `wrong password: ${text}`);
        await page.fill('input[name="pass"]', "s3cret");
        await page.click("#connect-btn");
        await page.locator('#conn-status[data-state="online"]').waitFor();
        await page.locator("#empty-state", { hasText: "Pick a bucket" }).waitFor();
        await page.click("#connect-btn");
        await page.locator('#conn-status[data-state="offline"]').waitFor();
      } finally {
        await secured.stop();
      }
    },
  },
  {
    name: "connects with each client choice (nats.ws, v3 wsconnect): the pill names it, a put and a download work, the Service Worker uses it",
    timeoutMs: 90_000,
    fn: async (ctx) => {
      const { page } = ctx;
      await ctx.manager.createObjectStore({ bucket: CLIENTS_BUCKET, storage: "memory" });
      const version = ctx.nc.info?.version ?? "?";
      const refused = `ws://127.0.0.1:${await freeClosedPort()}`;
      // nats.ws first, so that the page ends on the default client for the tests after this one.
      for (const [client, label] of [["nats.ws", "nats.ws"], ["v3", "v3 wsconnect"]] as const) {
        await connectByForm(page, refused, client);
        const toast = page.locator(".toast-error", { hasText: `${refused} with ${label}` });
        await toast.waitFor();
        const error = await toast.innerText();
        readable(error);
        assert(error.includes("CONNECTION_REFUSED"), `${label}: no CONNECTION_REFUSED in: ${error}`);

        await connectByForm(page, ctx.wsUrl, client);
        const pill = page.locator('#conn-status[data-state="online"]');
        await pill.waitFor();
        const text = await pill.innerText();
        assert(text === `connected · nats-server ${version} · ${label}`, `${label}: pill says "${text}"`);
        assert((await pill.getAttribute("data-client")) === client, `${label}: pill data-client ${await pill.getAttribute("data-client")}`);
        await ctx.shot(`client-${client}`);

        await selectBucket(page, CLIENTS_BUCKET);
        const name = `via-${client}.bin`;
        const bytes = testBytes(2 * MiB + 77, client.length);
        await dropFiles(page, [{ name, bytes }]);
        await uploadRow(page, name).and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 });
        sameBytes(await (await store(ctx, CLIENTS_BUCKET)).getBytes(name), bytes, `${name} as stored`);
        await rowAction(page, name, "download");
        await objectRow(page, name).locator('[data-integrity="verified"]').waitFor();
        sameBytes((await savedBytes(page, name)).bytes, bytes, `${name} downloaded`);

        // The Service Worker registered for this connection opens its own with the same client.
        await page.locator('html[data-sw="on"]').waitFor({ timeout: 15_000 });
        const worker = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? "");
        assert(new URL(worker).searchParams.get("client") === client, `${label}: the Service Worker is ${worker}`);
        const served = await page.evaluate(async (path) => {
          const r = await fetch(path);
          return { status: r.status, sha256: Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", await r.arrayBuffer()))) };
        }, `nats/${CLIENTS_BUCKET}/${name}`);
        assert(served.status === 200, `${label}: the Service Worker answered ${served.status}`);
        assert(Buffer.from(served.sha256).equals(createHash("sha256").update(bytes).digest()), `${label}: the Service Worker served other bytes`);
      }
    },
  },
];

/** Disconnects when connected, then connects through the form to `server` with `client` and no auth. */
async function connectByForm(page: E2EContext["page"], server: string, client: DemoClient): Promise<void> {
  if ((await page.locator("#conn-status").getAttribute("data-state")) !== "offline") {
    await page.click("#connect-btn");
    await page.locator('#conn-status[data-state="offline"]').waitFor();
  }
  await page.fill('input[name="server"]', server);
  await page.selectOption('select[name="auth"]', "none");
  await page.selectOption('select[name="client"]', client);
  await page.click("#connect-btn");
  await page.locator('#conn-status:not([data-state="connecting"])').waitFor();
}

/** Removes what the tests left on the server (the runner calls it after the last test). */
export async function cleanup(ctx: Pick<E2EContext, "manager">): Promise<void> {
  for (const b of await ctx.manager.names()) {
    if (b.endsWith(`_${RUN}`)) await ctx.manager.deleteObjectStore(b).catch(() => undefined);
  }
}
