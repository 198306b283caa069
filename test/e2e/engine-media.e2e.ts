/**
 * Streaming media through the demo's Service Worker in any engine (run-engine-e2e.ts): a WebM plays
 * and seeks from `nats/<bucket>/<name>` with range requests the worker answers with 206 and the right
 * `Content-Range`; range reads, `?download`, HEAD, `If-None-Match` and a range past the end are checked
 * with fetch() through the worker. media.e2e.ts does the same and more in Chromium.
 *
 * The test video is media-page.ts' VP8 clip, muxed by webm.ts. It is encoded with WebCodecs in the
 * engine's page where that works, else in a headless Chromium (WebKitGTK 2.50's VideoEncoder takes its
 * web process down here, for VP8, VP9 and H.264 alike), once per process.
 */
import { createHash } from "node:crypto";
import { objectPath } from "../../src/index.js";
import { equal, ok } from "../harness/assert.js";
import { launchPage, type Engine } from "../harness/engines.js";
import { testBytes } from "../harness/fixtures.js";
import { DemoPage } from "./engine-page.js";
import { objectRowSel } from "./page-helpers.js";
import { decodeFrames, encodeVideoInPage, MEDIA_HELPERS, VIDEO, type Served } from "./media-page.js";
import type { EngineE2EContext, EngineE2ETest } from "./run-engine-e2e.js";
import { muxWebm, type EncodedFrame } from "./webm.js";

const VIDEO_NAME = "clips/seek me ✓.webm";
const DATA_NAME = "bin/data ünï.bin";
const DATA = testBytes(3 * 1024 * 1024 + 5, 99);
const LONG_NAME = "bin/long download.bin";
/**
 * An object whose response the worker takes seconds to write (many small chunks), longer than the
 * worker's idle time in these tests (FIREFOX_SW_PREFS): Firefox buffers a worker's response for the
 * page without bound, so only a slow writer, not a slow reader, keeps the response open that long.
 */
const LONG = testBytes(96 * 1024 * 1024 + 3, 98);
const LONG_CHUNK = 4 * 1024;
/** The least the read must last to show anything: well past the worker's idle time (FIREFOX_SW_PREFS). */
const LONGER_THAN_MS = 1_500;
/** Engines whose page encodes the test video (WebKitGTK's VideoEncoder crashes its web process). */
const ENCODES_IN_PAGE: Record<Engine, boolean> = { chromium: true, firefox: true, webkit: false };

const bucketOf = (ctx: EngineE2EContext) => `e2e_media_${ctx.runId}`;
/** The URL of an object relative to the page (the worker serves `<scope>nats/…`). */
const rel = (ctx: EngineE2EContext, name: string) => objectPath(bucketOf(ctx), name, "nats");
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const isRed = (p: readonly number[]) => p[0]! > 150 && p[2]! < 110;
const isBlue = (p: readonly number[]) => p[2]! > 150 && p[0]! < 110;

/** The test video's frames, once per process (any engine's encoding serves them all). */
let frames: Promise<EncodedFrame[]> | undefined;

async function videoFrames(ctx: EngineE2EContext): Promise<EncodedFrame[]> {
  if (!frames) {
    if (ENCODES_IN_PAGE[ctx.engine]) {
      frames = ctx.demo.evaluate(encodeVideoInPage, VIDEO).then(decodeFrames);
    } else {
      ctx.note(`${ctx.engine} cannot encode the test video: encoding it in Chromium`);
      frames = encodeInChromium(ctx.origin);
    }
    frames.catch(() => (frames = undefined));
  }
  return frames;
}

async function encodeInChromium(origin: string): Promise<EncodedFrame[]> {
  const page = await launchPage("chromium");
  try {
    await page.goto(`${origin}/encode-test-video`); // any document of a secure origin (a 404 here)
    await new DemoPage(page).prepare();
    return decodeFrames(await page.evaluate(encodeVideoInPage, VIDEO));
  } finally {
    await page.close();
  }
}

/** `bytes=a-` / `bytes=a-b` → a, b (b undefined when open). */
function rangeOf(header: string | null): { start: number; end?: number } | undefined {
  const m = header ? /^bytes=(\d+)-(\d*)$/.exec(header) : null;
  return m ? { start: Number(m[1]), ...(m[2] ? { end: Number(m[2]) } : {}) } : undefined;
}

/** A request with a Range must have been answered 206 with its Content-Range; one without, 200. */
function checkServed(s: Served, size: number): void {
  const asked = rangeOf(s.range);
  if (!s.range) {
    equal(s.status, 200, `status of a request without Range`);
    return;
  }
  ok(asked, `a request with an unexpected Range: ${s.range}`);
  equal(s.status, 206, `status for Range ${s.range}`);
  const end = Math.min(asked.end ?? size - 1, size - 1);
  equal(s.contentRange, `bytes ${asked.start}-${end}/${size}`, `Content-Range for Range ${s.range}`);
}

interface Media {
  until(target: EventTarget, type: string, ms: number): Promise<Event>;
  painted(video: HTMLVideoElement, x: number, y: number, ms: number): Promise<number[]>;
  served(): Promise<Served[]>;
}

// ---- page side ---------------------------------------------------------------------------------------

/** Plays `src` from its start, seeks to 2.5 s and plays on to 2.8 s; what was seen on the way. */
const playAndSeekInPage = async (src: string) => {
  const m = (window as unknown as { __media: Media }).__media;
  document.querySelector("video#media-test")?.remove();
  const v = Object.assign(document.createElement("video"), { id: "media-test", muted: true, preload: "metadata", src });
  document.body.append(v);
  await m.until(v, "loadedmetadata", 30_000);
  while (v.readyState < 2) await m.until(v, "loadeddata", 30_000);
  const first = { duration: v.duration, time: v.currentTime, pixel: await m.painted(v, 320, 100, 15_000) };
  const bufferedEnd = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
  const mark = (await m.served()).length;
  const seeked = m.until(v, "seeked", 30_000);
  v.currentTime = 2.5;
  await seeked;
  while (v.readyState < 2) await m.until(v, "canplay", 30_000);
  const sought = { time: v.currentTime, pixel: await m.painted(v, 320, 100, 15_000) };
  await v.play();
  while (v.currentTime < 2.8) await m.until(v, "timeupdate", 15_000);
  v.pause();
  const end = { time: v.currentTime, pixel: await m.painted(v, 320, 100, 15_000) };
  v.remove();
  return { first, bufferedEnd, mark, sought, end };
};

interface Fetched {
  status: number;
  headers: Record<string, string>;
  size: number;
  sha256: string;
}

/** fetch() through the worker: a range, `?download`, HEAD, If-None-Match with HEAD's ETag, a range past the end. */
/** In the page: reads `src` through the worker; its bytes, how long it took, and the error that ended it. */
const readInPage = async (src: string) => {
  const res = await fetch(src);
  const reader = res.body!.getReader();
  const parts: Uint8Array[] = [];
  const t0 = performance.now();
  let bytes = 0;
  let error: string | null = null;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
      bytes += r.value.length;
    }
  } catch (e) {
    error = String(e);
  }
  const all = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return { status: res.status, bytes, error, ms: Math.round(performance.now() - t0), sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") };
};

const fetchesInPage = async ([src, range]: readonly [string, string]): Promise<Record<string, Fetched>> => {
  const out: Record<string, Fetched> = {};
  const asks: [string, string, () => RequestInit][] = [
    ["range", src, () => ({ headers: { Range: range } })],
    ["download", `${src}?download`, () => ({})],
    ["head", src, () => ({ method: "HEAD" })],
    ["notModified", src, () => ({ headers: { "If-None-Match": out.head?.headers.etag ?? "" } })],
    ["unsatisfiable", src, () => ({ headers: { Range: "bytes=999999999-" } })],
  ];
  for (const [key, url, init] of asks) {
    const res = await fetch(url, init());
    const body = await res.arrayBuffer();
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
    out[key] = { status: res.status, headers, size: body.byteLength, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") };
  }
  return out;
};

// ---- the tests ---------------------------------------------------------------------------------------

export function mediaTests(): EngineE2ETest[] {
  let video: Uint8Array | undefined;
  return [
    {
      name: "media: the demo registers its Service Worker for the connected server and it takes over the page",
      fn: async (ctx) => {
        await ctx.manager.createObjectStore({ bucket: bucketOf(ctx), description: `${ctx.engine} media e2e` });
        await (await ctx.manager.objectStore(bucketOf(ctx))).putBytes(DATA_NAME, DATA);
        await ctx.demo.open(ctx.origin, ctx.wsUrl);
        await ctx.demo.waitFor('html[data-sw="on"]', { timeoutMs: 30_000 });
        const script = await ctx.demo.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null, null);
        equal(script, `${ctx.origin}/sw.js?${new URLSearchParams({ servers: ctx.wsUrl, client: "v3" })}`, "the controlling worker");
        await ctx.demo.evaluate((src) => (0, eval)(src) as undefined, MEDIA_HELPERS);
      },
    },
    {
      name: "media: a WebM plays and seeks through the Service Worker; every range request is answered 206 with its Content-Range",
      timeoutMs: 150_000,
      fn: async (ctx) => {
        const encoded = await videoFrames(ctx);
        const bytes = muxWebm(encoded, { width: VIDEO.width, height: VIDEO.height, durationMs: (VIDEO.frames * 1000) / VIDEO.fps });
        const info = await (await ctx.manager.objectStore(bucketOf(ctx))).putBytes(VIDEO_NAME, bytes);
        ctx.note(`test video: ${encoded.length} VP8 frames, ${(bytes.length / 1e6).toFixed(1)} MB, ${info.chunks} chunks`);
        const r = await ctx.demo.evaluate(playAndSeekInPage, rel(ctx, VIDEO_NAME));
        ok(Math.abs(r.first.duration - 4) < 0.1, `duration ${r.first.duration}, expected 4 s`);
        ok(isRed(r.first.pixel), `frame at ${r.first.time.toFixed(2)} s is ${r.first.pixel}, expected red`);
        ok(Math.abs(r.sought.time - 2.5) < 0.05, `currentTime ${r.sought.time} after seeking to 2.5`);
        ok(isBlue(r.sought.pixel), `frame after the seek is ${r.sought.pixel}, expected blue (the second half)`);
        ok(r.end.time >= 2.8 && isBlue(r.end.pixel), `played on to ${r.end.time} s, frame ${r.end.pixel}`);

        const all = await ctx.demo.evaluate(() => (window as unknown as { __media: Media }).__media.served(), null);
        const mine = (x: Served) => x.url.includes(`/nats/${bucketOf(ctx)}/clips/`);
        const log = all.filter(mine);
        ctx.note(`served: ${log.map((x) => `${x.status} ${x.range ?? "-"} -> ${x.contentRange ?? "-"}`).join(", ")}`);
        ok(log.some((x) => x.range !== null), "the video was read without a single range request");
        for (const x of log) checkServed(x, bytes.length);
        const late = all.slice(r.mark).filter(mine).map((x) => rangeOf(x.range)?.start ?? 0);
        // An engine that read the whole file before the seek needs no request after it.
        if (r.bufferedEnd < 2.5) ok(late.some((start) => start > 0), `no range request past byte 0 after the seek (after it: ${late.join(", ") || "none"})`);
        else ctx.note(`${ctx.engine} had buffered to ${r.bufferedEnd.toFixed(2)} s before the seek`);
        video = bytes;
      },
    },
    {
      name: "media: the demo's preview plays the video from the worker's URL, badged as streamed",
      fn: async (ctx) => {
        ok(video, "the video test did not store the video");
        await ctx.demo.selectBucket(bucketOf(ctx));
        await ctx.demo.click(`${objectRowSel(VIDEO_NAME)} button[data-action="preview"]`);
        await ctx.demo.waitFor('dialog.preview[open] [data-integrity="streamed"]');
        const src = await ctx.demo.attr('dialog.preview[open] video[data-source="service-worker"]', "src");
        equal(src, new URL(rel(ctx, VIDEO_NAME), `${ctx.origin}/`).href, "the preview's video src");
        await ctx.page.waitForFunction(() => {
          const v = document.querySelector<HTMLVideoElement>("dialog.preview[open] video");
          return !!v && v.readyState >= 2 && Math.abs(v.duration - 4) < 0.1;
        }, 30_000);
        await ctx.shot("media-preview");
        await ctx.demo.click('dialog.preview[open] button[aria-label="Close preview"]');
      },
    },
    {
      name: "media: through the worker, a range, ?download, HEAD, If-None-Match and a range past the end answer as HTTP says",
      fn: async (ctx) => {
        const start = DATA.length - 100_000;
        const f = await ctx.demo.evaluate(fetchesInPage, [rel(ctx, DATA_NAME), `bytes=${start}-${start + 65_535}`] as const);
        const { range, download, head, notModified, unsatisfiable } = f;
        ok(range && download && head && notModified && unsatisfiable, "a request is missing from the results");
        equal(range.status, 206, "range: status");
        equal(range.headers["content-range"], `bytes ${start}-${start + 65_535}/${DATA.length}`, "range: Content-Range");
        equal(range.sha256, sha256(DATA.subarray(start, start + 65_536)), "range: SHA-256 of the bytes");
        equal(download.status, 200, "?download: status");
        equal(download.headers["content-disposition"], `attachment; filename="data _n_.bin"; filename*=UTF-8''data%20%C3%BCn%C3%AF.bin`, "?download: Content-Disposition");
        equal(download.sha256, sha256(DATA), "?download: SHA-256 of the bytes");
        equal(head.status, 200, "HEAD: status");
        equal(head.size, 0, "HEAD: body");
        equal(head.headers["content-length"], String(DATA.length), "HEAD: Content-Length");
        equal(head.headers["accept-ranges"], "bytes", "HEAD: Accept-Ranges");
        equal(head.headers["etag"], `"SHA-256=${createHash("sha256").update(DATA).digest("base64url")}="`, "HEAD: ETag");
        equal(notModified.status, 304, "If-None-Match: status");
        equal(unsatisfiable.status, 416, "past the end: status");
        equal(unsatisfiable.headers["content-range"], `bytes */${DATA.length}`, "past the end: Content-Range");
      },
    },
    {
      name: "media: a download the worker writes for longer than its idle time is not cut (the worker keeps itself alive until the body is read)",
      timeoutMs: 90_000,
      fn: async (ctx) => {
        await (await ctx.manager.objectStore(bucketOf(ctx))).putBytes(LONG_NAME, LONG, { chunkSize: LONG_CHUNK });
        const r = await ctx.demo.evaluate(readInPage, rel(ctx, LONG_NAME));
        ctx.note(`${ctx.engine}: ${r.bytes} bytes in ${r.ms} ms${r.error ? `, then ${r.error}` : ""}`);
        equal(r.status, 200, "status");
        equal(r.error, null, "the body was cut");
        ok(r.ms > LONGER_THAN_MS, `the read lasted ${r.ms} ms, not long enough past the worker's idle time to show anything`);
        equal(r.bytes, LONG.length, "bytes read");
        equal(r.sha256, sha256(LONG), "SHA-256 of the bytes");
      },
    },
  ];
}
