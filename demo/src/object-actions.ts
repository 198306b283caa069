/** What a person can do with one object: download, preview, rename, link, delete. */
import type { ObjectInfo, ObjectStore } from "nats-objectstore-web";
import { askForm, confirmAction } from "./dialog.js";
import { saveObject } from "./download.js";
import { formatBytes } from "./format.js";
import * as notify from "./notify.js";
import { forgetObject, showObject } from "./objects.js";
import { integrityBadge, openPreview } from "./preview.js";
import { app } from "./state.js";

/** Downloads into the row's status cell: progress, then the integrity badge. */
export async function download(store: ObjectStore, info: ObjectInfo, status: HTMLElement): Promise<void> {
  const badge = integrityBadge();
  status.replaceChildren(badge.el);
  try {
    const saved = await saveObject(store, info.name, (p) => {
      badge.el.textContent = p.total ? `${Math.floor((p.bytes / p.total) * 100)}%` : formatBytes(p.bytes);
    });
    if (saved.digest) badge.verified();
    else badge.unverified();
  } catch (err) {
    if ((err as { name?: string }).name === "AbortError") {
      status.replaceChildren(); // the save dialog was closed
      return;
    }
    badge.failed(err);
    notify.error(`Download of ${info.name} failed`, err);
  }
}

export function preview(store: ObjectStore, info: ObjectInfo): void {
  void openPreview(store, info);
}

export async function rename(store: ObjectStore, info: ObjectInfo): Promise<void> {
  const values = await askForm({
    title: `Rename ${info.name}`,
    submit: "Rename",
    fields: [{ name: "name", label: "New name", value: info.name, required: true }],
    onSubmit: async (v) =>
      // updateMeta replaces description, headers and metadata: pass the current ones along.
      showObject(await store.updateMeta(info.name, { name: v.name ?? "", description: info.description, headers: info.headers, metadata: info.metadata })),
  });
  if (values) changed(`Renamed to ${values.name}`);
}

export async function link(store: ObjectStore, info: ObjectInfo): Promise<void> {
  const values = await askForm({
    title: `Link to ${info.name}`,
    text: "A link is a second name for the object: reading it reads the target.",
    submit: "Create link",
    fields: [{ name: "name", label: "Link name", value: `link-to-${info.name}`, required: true }],
    onSubmit: async (v) => showObject(await store.addLink(v.name ?? "", info)),
  });
  if (values) changed(`Link ${values.name} created`);
}

export async function remove(store: ObjectStore, info: ObjectInfo): Promise<void> {
  const done = await confirmAction(`Delete ${info.name}?`,
    info.options?.link ? "Only the link is removed; its target stays." : "The object and all its chunks are removed.",
    "Delete", async () => {
      await store.delete(info.name);
      forgetObject(store.bucket, info.name);
    });
  if (done) changed(`Deleted ${info.name}`);
}

function changed(message: string): void {
  notify.info(message);
  app.emit("bucket-changed");
}
