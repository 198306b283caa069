/**
 * Preview of images, text and video in a modal. The object is read through `get` and its body
 * completes only after the library verified size and digest, so the badge turns green only then.
 *
 * Video, while the Service Worker serves objects (service-worker.ts), plays from its URL instead: the
 * browser reads ranges as it plays and seeks, nothing is copied into a Blob, and the badge says that
 * those ranges were not checked against the whole object's digest.
 */
import type { ObjectInfo, ObjectStore } from "nats-objectstore-web";
import { contentType, streamToBlob } from "./download.js";
import { h, icon, ICONS } from "./dom.js";
import { describeError } from "./errors.js";
import { formatBytes } from "./format.js";
import { objectUrl } from "./service-worker.js";

const LIMITS = { image: 64e6, text: 2e6, video: 1e9 } as const;
export type PreviewKind = keyof typeof LIMITS;

/** What kind of preview an object gets, if any. */
export function previewKind(info: ObjectInfo): PreviewKind | undefined {
  const type = contentType(info);
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("text/") || /json|xml|yaml|javascript/.test(type)) return "text";
  return undefined;
}

/**
 * The integrity badge: verifying…, verified, unverified (a meta with no digest), streamed (ranges, not
 * digest-verified), or the error's code.
 */
export function integrityBadge(): {
  el: HTMLElement; verified(): void; unverified(): void; streamed(): void; failed(err: unknown): void;
} {
  const el = h("span", { class: "badge badge-pending", "data-integrity": "pending" }, "verifying…");
  return {
    el,
    verified() {
      el.className = "badge badge-ok";
      el.dataset.integrity = "verified";
      el.replaceChildren(icon(ICONS.check), "SHA-256 verified");
    },
    unverified() {
      el.className = "badge badge-info";
      el.dataset.integrity = "unverified";
      el.title = "The object's meta carries no SHA-256 digest (another client wrote it so): its size was checked, its bytes could not be.";
      el.textContent = "no digest to verify";
    },
    streamed() {
      el.className = "badge badge-info";
      el.dataset.integrity = "streamed";
      el.title = "Played through the Service Worker in byte ranges; a range cannot be checked against the whole object's SHA-256 digest.";
      el.textContent = "streamed · ranges not digest-verified";
    },
    failed(err) {
      const { code, message } = describeError(err);
      el.className = "badge badge-bad";
      el.dataset.integrity = "failed";
      el.title = message;
      el.textContent = code;
    },
  };
}

export async function openPreview(store: ObjectStore, info: ObjectInfo): Promise<void> {
  const kind = previewKind(info);
  const badge = integrityBadge();
  const stage = h("div", { class: "preview-stage" }, h("div", { class: "spinner" }));
  const ctrl = new AbortController();
  const dialog: HTMLDialogElement = h("dialog", { class: "dialog preview", "data-preview": info.name },
    h("div", { class: "preview-head" },
      h("div", null, h("h3", null, info.name), h("span", { class: "muted" }, `${formatBytes(info.size)} · ${contentType(info) || "unknown type"}`)),
      badge.el,
      h("button", { type: "button", class: "icon-btn", "aria-label": "Close preview", onclick: (): void => dialog.close() }, icon(ICONS.x)),
    ),
    stage,
  );
  let url: string | undefined;
  dialog.addEventListener("close", () => {
    ctrl.abort();
    if (url) URL.revokeObjectURL(url);
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();

  const streamUrl = kind === "video" ? objectUrl(store.bucket, info.name) : undefined;
  if (streamUrl) {
    streamVideo(stage, badge, streamUrl, info.name);
    return;
  }
  if (!kind || info.size > LIMITS[kind]) {
    stage.replaceChildren(h("p", { class: "muted center" }, kind ? `Too large to preview (over ${formatBytes(LIMITS[kind])}).` : "No preview for this type."));
    badge.el.remove();
    return;
  }
  try {
    const result = await store.get(info.name, { signal: ctrl.signal });
    const blob = await streamToBlob(result.body, contentType(result.info));
    if (result.digestVerified) badge.verified();
    else badge.unverified();
    if (kind === "text") {
      stage.replaceChildren(h("pre", { class: "preview-text" }, await blob.text()));
    } else {
      url = URL.createObjectURL(blob);
      stage.replaceChildren(kind === "image"
        ? h("img", { src: url, alt: info.name, class: "preview-media" })
        : h("video", { src: url, controls: true, class: "preview-media" }));
    }
  } catch (err) {
    if (ctrl.signal.aborted) return;
    badge.failed(err);
    const { code, message } = describeError(err);
    stage.replaceChildren(h("p", { class: "form-error" }, h("code", { class: "err-code" }, code), " ", message));
  }
}

/** A `<video>` on the Service Worker's URL; a failure shows the library's error code from a HEAD request. */
function streamVideo(stage: HTMLElement, badge: ReturnType<typeof integrityBadge>, src: string, name: string): void {
  const video = h("video", { src, controls: true, preload: "metadata", class: "preview-media", "data-source": "service-worker", "aria-label": name });
  badge.streamed();
  video.addEventListener("error", () => {
    void fetch(src, { method: "HEAD" }).then(
      (res) => {
        const code = res.headers.get("X-Object-Store-Error") ?? (res.ok ? "MEDIA_ERROR" : `HTTP_${res.status}`);
        badge.failed({ code, message: res.ok ? "the browser cannot play this video" : `the Service Worker answered ${res.status}` });
      },
      (err: unknown) => badge.failed(err),
    );
  });
  stage.replaceChildren(video);
}
