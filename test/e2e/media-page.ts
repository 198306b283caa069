/**
 * Page-side helpers of the media e2e tests: a test video encoded in the page with WebCodecs, a PNG
 * drawn on a canvas, waiting for media events, reading a video's pixels, and the demo Service Worker's
 * log of what it served.
 *
 * tsx compiles these files with esbuild's keepNames, which wraps named inner functions of the code
 * passed to `page.evaluate` in a `__name(...)` helper that does not exist in the page:
 * {@link installMediaHelpers} defines a stand-in there, so it must run before the other helpers.
 */
import type { Page } from "playwright-core";
import type { ServedRequest } from "../../src/platform/service-worker.js";
import type { EncodedFrame } from "./webm.js";

/** The test video: red frames for its first half, blue after, noise in the lower half (for size). */
export const VIDEO = { width: 640, height: 360, fps: 30, frames: 120, bitrate: 12_000_000, keyEvery: 15 } as const;

/** One request the demo's Service Worker answered. */
export type Served = ServedRequest;

/**
 * Encodes {@link VIDEO} to VP8 in the page (WebCodecs `VideoEncoder`, software libvpx in headless
 * Chromium): `frames` frames at `fps`, a key frame every `keyEvery`.
 */
export async function encodeVideo(page: Page): Promise<EncodedFrame[]> {
  return decodeFrames(await page.evaluate(encodeVideoInPage, VIDEO));
}

/** The page side of {@link encodeVideo} (for any engine's `evaluate`): the frames' bytes as base64. */
export const encodeVideoInPage = async (v: typeof VIDEO): Promise<{ timeMs: number; key: boolean; data: string }[]> => {
  const out: { timeMs: number; key: boolean; data: string }[] = [];
  const config = { codec: "vp8", width: v.width, height: v.height, bitrate: v.bitrate, framerate: v.fps };
  if (!(await VideoEncoder.isConfigSupported(config)).supported) throw new Error("this browser cannot encode VP8 (WebCodecs)");
  let failure: unknown;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const bytes = new Uint8Array(chunk.byteLength);
      chunk.copyTo(bytes);
      let s = "";
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      out.push({ timeMs: chunk.timestamp / 1000, key: chunk.type === "key", data: btoa(s) });
    },
    error: (e) => {
      failure = e;
    },
  });
  encoder.configure(config);
  const canvas = new OffscreenCanvas(v.width, v.height);
  const g = canvas.getContext("2d")!;
  const noise = g.createImageData(v.width, v.height / 2);
  let x = 12345;
  for (let i = 0; i < v.frames; i++) {
    g.fillStyle = i < v.frames / 2 ? "#d03030" : "#3050d0";
    g.fillRect(0, 0, v.width, v.height);
    for (let j = 0; j < noise.data.length; j++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      noise.data[j] = j % 4 === 3 ? 255 : x & 0xff;
    }
    g.putImageData(noise, 0, v.height / 2);
    g.fillStyle = "#fff";
    g.font = "bold 40px sans-serif";
    g.fillText(`frame ${i}`, 20, 60);
    // from the pixels read back, not from the canvas itself: on a busy machine Chromium encoded frames
    // made from the canvas as black ones
    const pixels = g.getImageData(0, 0, v.width, v.height).data;
    const frame = new VideoFrame(pixels, {
      format: "RGBA", codedWidth: v.width, codedHeight: v.height,
      timestamp: Math.round((i * 1e6) / v.fps), duration: Math.round(1e6 / v.fps),
    });
    encoder.encode(frame, { keyFrame: i % v.keyEvery === 0 });
    frame.close();
  }
  await encoder.flush();
  encoder.close();
  if (failure) throw failure;
  return out;
};

/** The frames {@link encodeVideoInPage} returns, as bytes. */
export const decodeFrames = (frames: readonly { timeMs: number; key: boolean; data: string }[]): EncodedFrame[] =>
  frames.map((f) => ({ timeMs: f.timeMs, key: f.key, data: new Uint8Array(Buffer.from(f.data, "base64")) }));

/** A 480×270 PNG drawn on a canvas in the page. */
export async function drawPng(page: Page): Promise<Uint8Array> {
  return new Uint8Array(Buffer.from(await page.evaluate(drawPngInPage), "base64"));
}

/** The page side of {@link drawPng} (for any engine's `evaluate`): the PNG as base64. */
export const drawPngInPage = async (): Promise<string> => {
  const c = new OffscreenCanvas(480, 270);
  const g = c.getContext("2d")!;
  g.fillStyle = "#1f7a8c";
  g.fillRect(0, 0, 480, 270);
  g.fillStyle = "#fff";
  g.font = "bold 40px sans-serif";
  g.fillText("served by the worker", 20, 150);
  const bytes = new Uint8Array(await (await c.convertToBlob({ type: "image/png" })).arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

/**
 * Installs `window.__media` in the page (plain JavaScript, so nothing is compiled into it), and the
 * `__name` stand-in for keepNames:
 * `until(target, type, ms)` resolves on an event, rejects on the target's `error` event or after `ms`;
 * `pixel(video, x, y)` is the RGB of the video's current frame at a point, `painted(video, x, y, ms)`
 * the same once it is not black (a decoded frame can take a moment to reach a canvas); `served()` is the Service
 * Worker's log of answered requests.
 */
export async function installMediaHelpers(page: Page): Promise<void> {
  await page.evaluate(MEDIA_HELPERS);
}

/** The script {@link installMediaHelpers} runs in the page. */
export const MEDIA_HELPERS = `window.__name = (fn) => fn;
  window.__media = {
    until(target, type, ms) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no " + type + " event within " + ms + " ms")), ms);
        target.addEventListener(type, (e) => { clearTimeout(timer); resolve(e); }, { once: true });
        target.addEventListener("error", () => {
          clearTimeout(timer);
          reject(new Error("media error " + (target.error ? target.error.code + " " + target.error.message : "")));
        }, { once: true });
      });
    },
    pixel(video, x, y) {
      const c = document.createElement("canvas");
      c.width = video.videoWidth; c.height = video.videoHeight;
      const g = c.getContext("2d");
      g.drawImage(video, 0, 0);
      return Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3));
    },
    async painted(video, x, y, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const p = this.pixel(video, x, y);
        if (p.some((c) => c > 16) || Date.now() > deadline) return p;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    served() {
      return new Promise((resolve, reject) => {
        const worker = navigator.serviceWorker.controller;
        if (!worker) return reject(new Error("no Service Worker controls the page"));
        const channel = new MessageChannel();
        const timer = setTimeout(() => reject(new Error("the Service Worker did not answer")), 5000);
        channel.port1.onmessage = (e) => { clearTimeout(timer); resolve(e.data.served); };
        worker.postMessage({ type: "served-log" }, [channel.port2]);
      });
    },
  };`;

/** The Service Worker's log of answered requests. */
export function servedLog(page: Page): Promise<Served[]> {
  return page.evaluate(() => (window as unknown as { __media: { served(): Promise<Served[]> } }).__media.served());
}
