/**
 * The objects table, fed by `watch()`: the bucket's current objects, then every change made by
 * anyone (this page, another tab, a CLI) as it happens.
 */
import type { ObjectInfo, ObjectStore, ObjectWatcher } from "nats-objectstore-web";
import { setObjectCount } from "./bucket-header.js";
import { byId, h, icon, ICONS } from "./dom.js";
import { formatAge, formatBytes, shortDigest } from "./format.js";
import * as notify from "./notify.js";
import * as actions from "./object-actions.js";
import { previewKind } from "./preview.js";
import { objectHref } from "./service-worker.js";
import { app } from "./state.js";

interface Row {
  info: ObjectInfo;
  tr: HTMLTableRowElement;
  /** Download progress and integrity badge; kept while the object's revision stays the same. */
  status: HTMLElement;
}

const rows = new Map<string, Row>();
/** The newest revision applied per name (deletes included), so an older info never wins. */
const newest = new Map<string, number>();
let watcher: ObjectWatcher | undefined;
let loaded = false;
let frame = 0;

export function mountObjects(): void {
  app.on("bucket", () => void follow(app.store));
  app.on("connection", () => {
    if (!app.nc) void follow(undefined);
  });
  setInterval(refreshAges, 15_000);
}

async function follow(store: ObjectStore | undefined): Promise<void> {
  watcher?.stop();
  watcher = undefined;
  rows.clear();
  newest.clear();
  loaded = false;
  render();
  byId("bucket-view").hidden = !store;
  byId("empty-state").hidden = !!store;
  if (!store) return;
  let w: ObjectWatcher;
  try {
    w = await store.watch();
  } catch (err) {
    notify.error(`Cannot watch ${store.bucket}`, err);
    return;
  }
  if (app.store !== store) {
    w.stop();
    return;
  }
  watcher = w;
  void w.initialized.then(() => {
    if (watcher !== w) return;
    loaded = true;
    schedule();
  });
  try {
    for await (const info of w) {
      apply(info);
      if (loaded) app.emit("bucket-changed");
    }
  } catch (err) {
    if (watcher === w) notify.error(`Live updates of ${store.bucket} stopped`, err);
  }
}

/**
 * Shows what this page's own operation returned (a put, rename or link) at once, without waiting
 * for the watch to bring it. This also covers a watch that misses an update: nats-server 2.9 can
 * skip a message on a filtered consumer while many are published at once.
 */
export function showObject(info: ObjectInfo): void {
  if (app.store?.bucket === info.bucket) apply(info);
}

/** Removes an object this page deleted (the watch's delete marker will agree). */
export function forgetObject(bucket: string, name: string): void {
  if (app.store?.bucket !== bucket || !rows.has(name)) return;
  rows.delete(name);
  schedule();
}

function apply(info: ObjectInfo): void {
  if ((newest.get(info.name) ?? 0) >= info.revision) return;
  newest.set(info.name, info.revision);
  const old = rows.get(info.name);
  if (info.deleted) {
    rows.delete(info.name);
  } else {
    // A rename publishes the meta under the new name and purges the old one, which a watcher never
    // sees: drop the row that held the same data (same nuid) under another name.
    if (!info.options?.link) {
      for (const [name, r] of rows) {
        if (name !== info.name && r.info.nuid === info.nuid && !r.info.options?.link && r.info.revision < info.revision) rows.delete(name);
      }
    }
    const status = old && old.info.revision === info.revision ? old.status : h("span", { class: "obj-status" });
    rows.set(info.name, { info, tr: buildRow(info, status), status });
  }
  schedule();
}

/** Renders at most once a frame (an initial watch of thousands of objects arrives in a burst). */
function schedule(): void {
  if (!frame) frame = requestAnimationFrame(render);
}

function render(): void {
  frame = 0;
  const body = byId<HTMLTableElement>("objects").tBodies[0]!;
  const sorted = [...rows.values()].sort((a, b) => a.info.name.localeCompare(b.info.name));
  body.replaceChildren(...sorted.map((r) => r.tr));
  byId("objects-empty").hidden = !loaded || rows.size > 0;
  byId("objects-count").textContent = loaded ? `${rows.size} object${rows.size === 1 ? "" : "s"}` : "loading…";
  setObjectCount(loaded ? rows.size : undefined);
}

function refreshAges(): void {
  for (const r of rows.values()) {
    const cell = r.tr.querySelector<HTMLElement>(".age");
    if (cell) cell.textContent = formatAge(r.info.mtime);
  }
}

/** An action button; `enabled` false leaves an empty slot, so the icons line up in columns. */
function action(label: string, name: string, paths: string, fn: () => unknown, extra = "", enabled = true): HTMLElement {
  if (!enabled) return h("span", { class: "icon-slot", "aria-hidden": "true" });
  return h("button", { type: "button", class: `icon-btn ${extra}`, title: label, "aria-label": `${label} ${name}`, "data-action": label.toLowerCase(), onclick: fn }, icon(paths));
}

/** Opens the object in a new tab at the Service Worker's URL (shown only while it serves: `.sw-only`). */
function openLink(info: ObjectInfo): HTMLElement {
  return h("a", { class: "icon-btn sw-only", href: objectHref(info.bucket, info.name), target: "_blank", rel: "noopener",
    title: "Open (streamed by the Service Worker)", "aria-label": `Open ${info.name}`, "data-action": "open" }, icon(ICONS.open));
}

function buildRow(info: ObjectInfo, status: HTMLElement): HTMLTableRowElement {
  const link = info.options?.link;
  const target = link ? (link.name ? (link.bucket === info.bucket ? link.name : `${link.bucket}/${link.name}`) : `bucket ${link.bucket}`) : "";
  const store = () => app.store!;
  return h("tr", { "data-name": info.name, "data-link": link ? target : undefined },
    h("td", { class: "name" },
      h("div", { class: "name-line" }, icon(link ? ICONS.link : ICONS.file), h("span", { class: "obj-name", title: info.name }, info.name)),
      link && h("div", { class: "link-target" }, "→ ", target),
      info.description && h("div", { class: "muted small" }, info.description),
    ),
    h("td", { class: "num" }, link ? "—" : formatBytes(info.size)),
    h("td", { class: "num" }, link ? "—" : String(info.chunks)),
    h("td", { class: "age", title: new Date(info.mtime).toLocaleString() }, formatAge(info.mtime)),
    h("td", null, info.digest ? h("code", { class: "digest", title: info.digest }, shortDigest(info.digest)) : ""),
    h("td", { class: "actions" },
      status,
      !(link && !link.name) && openLink(info),
      action("Preview", info.name, ICONS.eye, () => actions.preview(store(), info), "", !link && !!previewKind(info)),
      action("Download", info.name, ICONS.download, () => void actions.download(store(), info, status), "", !(link && !link.name)),
      action("Rename", info.name, ICONS.edit, () => void actions.rename(store(), info)),
      action("Link", info.name, ICONS.link, () => void actions.link(store(), info), "", !link),
      action("Delete", info.name, ICONS.trash, () => void actions.remove(store(), info), "danger"),
    ),
  );
}
