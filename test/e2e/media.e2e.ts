/**
 * Streaming media through the demo's Service Worker (demo/src/sw.ts, the library's
 * `nats-objectstore-web/service-worker`), in Chromium, on the page the demo tests used before.
 *
 * A VP8 WebM is encoded in the page (WebCodecs), muxed in Node with Duration and Cues (webm.ts) and
 * stored by the Node client; the page then plays `nats/<bucket>/<name>` in a `<video>` and seeks. The
 * worker's own log and Playwright's view of the responses must show 206 range responses, one of them
 * starting past byte 0 after the seek, with Content-Range headers that match what was asked. Images,
 * `?download` links and the HTTP status codes are checked through the worker too.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Response as PwResponse } from "playwright-core";
import { objectPath } from "../../src/index.js";
import { drawPng, encodeVideo, installMediaHelpers, servedLog, VIDEO, type Served } from "./media-page.js";
import { objectRow, openDemo, rowAction, selectBucket } from "./page-helpers.js";
import { testBytes } from "../harness/fixtures.js";
import type { E2EContext, E2ETest } from "./run-e2e.js";
import { muxWebm } from "./webm.js";

const RUN = Date.now().toString(36);
const BUCKET = `e2e_media_${RUN}`;
const VIDEO_NAME = "clips/seek me ✓.webm";
const IMAGE_NAME = "pics/photo 1.png";
const DATA_NAME = "bin/data ünï.bin";
const DATA = testBytes(3 * 1024 * 1024 + 5, 99);

/** What the tests share: the video's bytes once stored. */
const made: { video?: Uint8Array; png?: Uint8Array } = {};

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** The URL of an object relative to the page (the worker serves `<scope>nats/…`). */
const rel = (name: string) => objectPath(BUCKET, name, "nats");

interface Media {
  until(target: EventTarget, type: string, ms: number): Promise<Event>;
  pixel(video: HTMLVideoElement, x: number, y: number): number[];
  painted(video: HTMLVideoElement, x: number, y: number, ms: number): Promise<number[]>;
}

/** `bytes=a-` / `bytes=a-b` → a, b (b undefined when open). */
function rangeOf(header: string | null): { start: number; end?: number } | undefined {
  const m = header ? /^bytes=(\d+)-(\d*)$/.exec(header) : null;
  return m ? { start: Number(m[1]), ...(m[2] ? { end: Number(m[2]) } : {}) } : undefined;
}

/** Every 206 in the log must carry the Content-Range its Range header asked for. */
function checkPartial(s: Served, size: number): number {
  const asked = rangeOf(s.range);
  assert(asked, `a 206 for a request without a single byte range: ${s.range}`);
  const end = Math.min(asked.end ?? size - 1, size - 1);
  const expected = `bytes ${asked.start}-${end}/${size}`;
  assert(s.contentRange === expected, `Range ${s.range} answered with Content-Range ${s.contentRange}, expected ${expected}`);
  return asked.start;
}

const isRed = (p: number[]) => p[0]! > 150 && p[2]! < 110;
const isBlue = (p: number[]) => p[2]! > 150 && p[0]! < 110;

export const tests: E2ETest[] = [
  {
    name: "media: the demo registers its Service Worker for the connected server and it takes over the page",
    fn: async (ctx) => {
      const { page } = ctx;
      await ctx.manager.createObjectStore({ bucket: BUCKET, description: "media e2e" });
      await openDemo(page, ctx.origin, ctx.wsUrl);
      await page.locator('html[data-sw="on"]').waitFor({ timeout: 15_000 });
      const script = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
      const expected = `${ctx.origin}/sw.js?${new URLSearchParams({ servers: ctx.wsUrl, client: "v3" })}`;
      assert(script === expected, `controller ${script}, expected ${expected}`);
      await installMediaHelpers(page);
      made.png = await drawPng(page);
      const os = await ctx.manager.objectStore(BUCKET);
      await os.put({ name: IMAGE_NAME, headers: { "Content-Type": ["image/png"] } }, made.png);
      await os.putBytes(DATA_NAME, DATA);
    },
  },
  {
    name: "media: a WebM made in the page plays and seeks through the Service Worker, with 206 range responses after the seek",
    timeoutMs: 90_000,
    fn: async (ctx) => {
      const { page } = ctx;
      const frames = await encodeVideo(page);
      const video = muxWebm(frames, { width: VIDEO.width, height: VIDEO.height, durationMs: (VIDEO.frames * 1000) / VIDEO.fps });
      made.video = video;
      const info = await (await ctx.manager.objectStore(BUCKET)).putBytes(VIDEO_NAME, video);
      ctx.note(`test video: ${frames.length} VP8 frames, ${(video.length / 1e6).toFixed(1)} MB, ${info.chunks} chunks`);

      const seen: { status: number; range: string | undefined; contentRange: string | undefined; fromWorker: boolean; afterSeek: boolean }[] = [];
      let seeking = false;
      const onResponse = (r: PwResponse): void => {
        if (!r.url().includes(`/nats/${BUCKET}/clips/`)) return;
        seen.push({ status: r.status(), range: r.request().headers()["range"], contentRange: r.headers()["content-range"], fromWorker: r.fromServiceWorker(), afterSeek: seeking });
      };
      page.on("response", onResponse);
      try {
        // Load the metadata and the first frame; with preload="metadata" Chromium then stops reading
        // (suspend), so the seek below must fetch its bytes with a new range request.
        const before = await page.evaluate(async (src) => {
          const m = (window as unknown as { __media: Media }).__media;
          document.querySelector("video#media-test")?.remove();
          const v = Object.assign(document.createElement("video"), { id: "media-test", muted: true, preload: "metadata", src });
          const suspended = m.until(v, "suspend", 15_000);
          document.body.append(v);
          await m.until(v, "loadedmetadata", 15_000);
          while (v.readyState < 2) await m.until(v, "loadeddata", 10_000);
          await suspended;
          return { duration: v.duration, pixel: await m.painted(v, 320, 100, 15_000), time: v.currentTime };
        }, rel(VIDEO_NAME));
        assert(Math.abs(before.duration - 4) < 0.1, `duration ${before.duration}, expected 4 s`);
        assert(isRed(before.pixel), `frame at ${before.time.toFixed(2)} s is ${before.pixel}, expected red`);

        const mark = (await servedLog(page)).length;
        seeking = true;
        const after = await page.evaluate(async () => {
          const m = (window as unknown as { __media: Media }).__media;
          const v = document.querySelector<HTMLVideoElement>("video#media-test")!;
          const seeked = m.until(v, "seeked", 15_000);
          v.currentTime = 2.5;
          await seeked;
          while (v.readyState < 2) await m.until(v, "canplay", 10_000);
          const seekedAt = { time: v.currentTime, pixel: await m.painted(v, 320, 100, 15_000) };
          // and it plays on from there
          await v.play();
          while (v.currentTime < 2.8) await m.until(v, "timeupdate", 5_000);
          v.pause();
          return { ...seekedAt, played: v.currentTime, end: await m.painted(v, 320, 100, 15_000) };
        });
        assert(Math.abs(after.time - 2.5) < 0.05, `currentTime ${after.time} after seeking to 2.5`);
        assert(isBlue(after.pixel), `frame after the seek is ${after.pixel}, expected blue (the second half)`);
        assert(after.played >= 2.8 && isBlue(after.end), `played on to ${after.played} s, frame ${after.end}`);

        const all = await servedLog(page);
        const mine = (x: Served) => x.url.includes(`/nats/${BUCKET}/clips/`);
        const log = all.filter(mine);
        ctx.note(`served: ${log.map((x) => `${x.status} ${x.range ?? "-"} -> ${x.contentRange ?? "-"}`).join(", ")}`);
        assert(log[0]?.range === "bytes=0-" && log[0].status === 206, `first request ${JSON.stringify(log[0])}`);
        for (const x of log) {
          assert(x.status === 206, `the worker answered ${x.status} (${x.error}) to ${x.range}`);
          checkPartial(x, video.length);
        }
        const late = all.slice(mark).filter(mine).map((x) => rangeOf(x.range)?.start ?? 0);
        assert(late.some((start) => start > 0), `no range request past byte 0 after the seek (after it: ${late.join(", ") || "none"})`);
        // Playwright's response events arrive on their own schedule (late on a busy machine), and a request
        // the player abandons may be logged by the worker and never reach the page: every one seen is the worker's
        for (let i = 0; i < 200 && seen.length < log.length; i++) await new Promise((r) => setTimeout(r, 50));
        assert(seen.length > 0 && seen.length <= log.length, `Playwright saw ${seen.length} responses, the worker logged ${log.length}`);
        assert(seen.every((r) => r.fromWorker && r.status === 206), `responses not all 206 from the worker: ${JSON.stringify(seen)}`);
        assert(seen.some((r) => r.afterSeek && (rangeOf(r.range ?? null)?.start ?? 0) > 0), "Playwright saw no 206 past byte 0 after the seek");

        // The bytes of a range read through the worker are the object's.
        const start = video.length - 100_000;
        const b64 = await page.evaluate(async ([src, range]) => {
          const res = await fetch(src, { headers: { Range: range } });
          const bytes = new Uint8Array(await res.arrayBuffer());
          let s = "";
          for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
          return `${res.status} ${res.headers.get("content-range")} ${btoa(s)}`;
        }, [rel(VIDEO_NAME), `bytes=${start}-${start + 65_535}`] as const);
        const [status, , cr, data] = b64.split(" ");
        assert(status === "206" && cr === `${start}-${start + 65_535}/${video.length}`, `range fetch: ${b64.slice(0, 80)}`);
        assert(sha(new Uint8Array(Buffer.from(data!, "base64"))) === sha(video.subarray(start, start + 65_536)), "range bytes differ from the object's");
        await ctx.shot("media-seeked");
      } finally {
        page.off("response", onResponse);
        await page.evaluate(() => document.querySelector("video#media-test")?.remove());
      }
    },
  },
  {
    name: "media: the preview dialog plays the video from the worker URL, badged as streamed and not digest-verified",
    fn: async (ctx) => {
      const { page } = ctx;
      await selectBucket(page, BUCKET);
      const row = objectRow(page, VIDEO_NAME);
      await row.waitFor();
      const open = row.locator('a[data-action="open"]');
      assert(await open.isVisible(), "no Open link on the row while the worker serves");
      const href = await open.getAttribute("href");
      assert(href === new URL(rel(VIDEO_NAME), `${ctx.origin}/`).href, `Open link ${href}`);
      await rowAction(page, VIDEO_NAME, "preview");
      const dialog = page.locator("dialog.preview[open]");
      const badge = dialog.locator('[data-integrity="streamed"]');
      await badge.waitFor();
      assert((await badge.innerText()).includes("not digest-verified"), `badge says ${await badge.innerText()}`);
      const video = dialog.locator('video[data-source="service-worker"]');
      assert((await video.getAttribute("src")) === new URL(rel(VIDEO_NAME), `${ctx.origin}/`).href, "preview video src");
      await page.waitForFunction(() => {
        const v = document.querySelector<HTMLVideoElement>("dialog.preview video");
        return !!v && v.readyState >= 1 && Math.abs(v.duration - 4) < 0.1;
      }, null, { timeout: 15_000 });
      await ctx.shot("media-preview");
      await dialog.getByRole("button", { name: "Close preview" }).click();
      // An image still goes through get(): verified.
      await rowAction(page, IMAGE_NAME, "preview");
      await dialog.locator('[data-integrity="verified"]').waitFor();
      await dialog.getByRole("button", { name: "Close preview" }).click();
    },
  },
  {
    name: "media: an <img> and a ?download link are served by the worker, byte for byte",
    fn: async (ctx) => {
      const { page } = ctx;
      const size = await page.evaluate(async (src) => {
        const img = Object.assign(document.createElement("img"), { src });
        document.body.append(img);
        try {
          await img.decode();
          return [img.naturalWidth, img.naturalHeight];
        } finally {
          img.remove();
        }
      }, rel(IMAGE_NAME));
      assert(size[0] === 480 && size[1] === 270, `image decoded as ${size}`);
      const log = await servedLog(page);
      assert(log.some((s) => s.url.endsWith(rel(IMAGE_NAME).replace(/^nats/, "")) && s.status === 200), "the worker did not serve the image");

      // Chromium sends requests of <a download> past Service Workers (issues.chromium.org/40410035); a
      // plain link to ?download is a navigation the worker answers with Content-Disposition: attachment.
      const downloading = page.waitForEvent("download");
      await page.evaluate((href) => {
        const a = Object.assign(document.createElement("a"), { href });
        document.body.append(a);
        a.click();
        a.remove();
      }, `${rel(DATA_NAME)}?download`);
      const download = await downloading;
      assert(download.suggestedFilename() === "data ünï.bin", `file name ${download.suggestedFilename()}`);
      const bytes = new Uint8Array(readFileSync(await download.path()));
      assert(bytes.length === DATA.length && sha(bytes) === sha(DATA), `downloaded ${bytes.length} bytes, differing from the object`);
      const served = (await servedLog(page)).filter((s) => s.url.endsWith("?download"));
      assert(served.length === 1 && served[0]!.status === 200, `worker log for the download: ${JSON.stringify(served)}`);
    },
  },
  {
    name: "media: through the worker, HEAD, If-None-Match, a range past the end, a missing object and POST answer as HTTP says",
    fn: async (ctx) => {
      const { page } = ctx;
      const video = made.video;
      assert(video, "the video test did not run");
      const results = await page.evaluate(async ([src, missing, noBucket]) => {
        const asks: [string, string, RequestInit][] = [
          ["head", src, { method: "HEAD" }],
          ["unsatisfiable", src, { headers: { Range: "bytes=99999999-" } }],
          ["missing", missing, {}],
          ["noBucket", noBucket, {}],
          ["post", src, { method: "POST", body: "x" }],
        ];
        const out: Record<string, { status: number; body: number; h: Record<string, string> }> = {};
        for (const [key, url, init] of asks) {
          const res = await fetch(url, init);
          out[key] = { status: res.status, body: (await res.arrayBuffer()).byteLength, h: Object.fromEntries(res.headers) };
        }
        const res = await fetch(src, { headers: { "If-None-Match": out.head?.h.etag ?? "" } });
        out.notModified = { status: res.status, body: (await res.arrayBuffer()).byteLength, h: Object.fromEntries(res.headers) };
        return out;
      }, [rel(VIDEO_NAME), rel("no such.webm"), objectPath(`${BUCKET}_none`, "x.webm", "nats")] as const);
      const { head, notModified, unsatisfiable, missing, noBucket, post } = results;
      assert(head && notModified && unsatisfiable && missing && noBucket && post, "a request is missing from the results");
      assert(head.status === 200 && head.body === 0 && head.h["content-length"] === String(video.length), `HEAD ${JSON.stringify(head)}`);
      assert(head.h["content-type"] === "video/webm" && head.h["accept-ranges"] === "bytes", `HEAD headers ${JSON.stringify(head.h)}`);
      const digest = `"SHA-256=${createHash("sha256").update(video).digest("base64url")}="`;
      assert(head.h["etag"] === digest, `ETag ${head.h["etag"]}, expected ${digest}`);
      assert(notModified.status === 304 && notModified.body === 0, `If-None-Match: ${notModified.status}`);
      assert(unsatisfiable.status === 416 && unsatisfiable.h["content-range"] === `bytes */${video.length}`, `416: ${JSON.stringify(unsatisfiable)}`);
      assert(missing.status === 404 && missing.h["x-object-store-error"] === "OBJECT_NOT_FOUND", `missing: ${JSON.stringify(missing)}`);
      assert(noBucket.status === 404 && noBucket.h["x-object-store-error"] === "BUCKET_NOT_FOUND", `no bucket: ${JSON.stringify(noBucket)}`);
      assert(post.status === 405 && post.h["allow"] === "GET, HEAD", `POST: ${JSON.stringify(post)}`);
    },
  },
];

export async function cleanup(ctx: Pick<E2EContext, "manager">): Promise<void> {
  await ctx.manager.deleteObjectStore(BUCKET).catch(() => undefined);
}
