/** The selected bucket's header: its status (size, object count, sealed, …) and seal / delete. */
import type { ObjectStoreStatus } from "nats-objectstore-web";
import { showStatusInList } from "./buckets.js";
import { confirmAction } from "./dialog.js";
import { byId, h, icon, ICONS } from "./dom.js";
import { formatBytes, formatTtl } from "./format.js";
import * as notify from "./notify.js";
import { app } from "./state.js";

const header = () => byId("bucket-header");
let objectCount: number | undefined;
let last: ObjectStoreStatus | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

export function mountBucketHeader(): void {
  app.on("bucket", () => {
    objectCount = undefined;
    last = undefined;
    header().replaceChildren();
    void refresh();
  });
  // Debounced: a burst of changes (an upload of many files) reloads the status once.
  app.on("bucket-changed", () => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 250);
  });
  // Size and message count grow during a long upload (and by other clients' writes): keep them fresh.
  setInterval(() => {
    if (app.store && document.visibilityState === "visible") void refresh(true);
  }, 3000);
}

/** The live object count, kept by the objects table. */
export function setObjectCount(n: number | undefined): void {
  objectCount = n;
  if (last) render(last);
}

async function refresh(quiet = false): Promise<void> {
  const store = app.store;
  if (!store) return;
  try {
    const s = await store.status();
    if (app.store !== store) return;
    if (quiet && JSON.stringify(s) === JSON.stringify(last)) return;
    last = s;
    render(s);
    showStatusInList(s);
  } catch (err) {
    if (!quiet) notify.error(`Cannot read the status of ${store.bucket}`, err);
  }
}

function stat(label: string, value: string, key: string): HTMLElement {
  return h("div", { class: "stat", "data-stat": key }, h("span", null, label), h("strong", null, value));
}

function render(s: ObjectStoreStatus): void {
  const seal = h("button", { type: "button", class: "btn", id: "seal-bucket", disabled: s.sealed, onclick: () => void sealBucket() },
    icon(ICONS.lock), s.sealed ? "Sealed" : "Seal");
  const del = h("button", { type: "button", class: "btn btn-danger-outline", id: "delete-bucket", onclick: () => void deleteBucket() },
    icon(ICONS.trash), "Delete bucket");
  header().replaceChildren(
    h("div", { class: "bucket-title" },
      h("div", null,
        h("h2", null, s.bucket, s.sealed && h("span", { class: "badge badge-sealed", id: "sealed-badge" }, icon(ICONS.lock), "sealed")),
        h("p", { class: "muted" }, s.description || "No description"),
      ),
      h("div", { class: "row-actions" }, seal, del),
    ),
    h("div", { class: "stats" },
      stat("Objects", objectCount === undefined ? "…" : String(objectCount), "objects"),
      stat("Size", formatBytes(s.size), "size"),
      stat("Messages", String(s.messages), "messages"),
      stat("Storage", s.storage, "storage"),
      stat("TTL", formatTtl(s.ttl), "ttl"),
      stat("Max size", s.maxBytes > 0 ? formatBytes(s.maxBytes) : "unlimited", "max-bytes"),
      stat("Replicas", String(s.replicas), "replicas"),
    ),
  );
}

async function sealBucket(): Promise<void> {
  const store = app.store;
  if (!store) return;
  const done = await confirmAction(`Seal ${store.bucket}?`,
    "A sealed bucket is read-only for good: no uploads, deletes, renames or links, and the server drops its TTL. This cannot be undone.",
    "Seal bucket", () => store.seal());
  if (!done) return;
  notify.info("Bucket sealed", store.bucket);
  app.emit("bucket-changed");
}

async function deleteBucket(): Promise<void> {
  const store = app.store;
  const m = app.manager;
  if (!store || !m) return;
  const done = await confirmAction(`Delete ${store.bucket}?`,
    "The bucket and every object in it are removed from the server.", "Delete bucket",
    () => m.deleteObjectStore(store.bucket));
  if (!done) return;
  notify.info("Bucket deleted", store.bucket);
  app.emit("buckets-changed");
}
