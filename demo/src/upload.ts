/** The drop zone and file picker, and the upload queue (a few uploads at once, the rest queued). */
import type { ObjectMeta, ObjectStore } from "nats-objectstore-web";
import { byId, h, icon, ICONS } from "./dom.js";
import { showObject } from "./objects.js";
import { app } from "./state.js";
import { UploadRow } from "./upload-row.js";

/** How many files upload at the same time. */
const PARALLEL = 3;

const queue: { row: UploadRow; store: ObjectStore }[] = [];
let running = 0;

export function mountUpload(): void {
  const zone = byId("drop-zone");
  const picker = h("input", { type: "file", multiple: true, hidden: true, id: "file-picker" });
  picker.addEventListener("change", () => {
    if (picker.files) enqueue([...picker.files]);
    picker.value = "";
  });
  zone.append(
    icon(ICONS.upload),
    h("p", null, h("strong", null, "Drop files here"), " or ",
      h("button", { type: "button", class: "link-btn", id: "choose-files", onclick: () => picker.click() }, "choose files")),
    h("p", { class: "muted small" }, "Any size: files stream in chunks, nothing is held in memory."),
    picker,
  );
  let depth = 0; // dragenter/dragleave fire for children too
  zone.addEventListener("dragenter", (ev) => {
    ev.preventDefault();
    depth++;
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("dragleave", () => {
    if (--depth <= 0) zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    depth = 0;
    zone.classList.remove("dragging");
    const files = [...(ev.dataTransfer?.files ?? [])];
    if (files.length) enqueue(files);
  });
  zone.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") picker.click();
  });
  byId("clear-uploads").addEventListener("click", () => dismiss(finishedRows()));
  // Finished rows belong to the bucket they went to; running ones go on and stay visible.
  app.on("bucket", () => dismiss(finishedRows()));
}

const finishedRows = () =>
  [...byId("uploads").children].filter((el) => !["uploading", "queued"].includes((el as HTMLElement).dataset.state ?? "")) as HTMLElement[];

function dismiss(els: HTMLElement[]): void {
  for (const el of els) el.remove();
  summarize();
}

/** "2 uploading · 3 queued · 5 done · 1 failed" above the list, with "Clear finished". */
function summarize(): void {
  const counts = new Map<string, number>();
  for (const el of byId("uploads").children) {
    const state = (el as HTMLElement).dataset.state ?? "";
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  const parts = (["uploading", "queued", "done", "error", "cancelled"] as const)
    .filter((s) => counts.get(s))
    .map((s) => `${counts.get(s)} ${s === "error" ? "failed" : s}`);
  byId("uploads-head").hidden = parts.length === 0;
  byId("uploads-summary").textContent = parts.join(" · ");
  byId<HTMLButtonElement>("clear-uploads").hidden = finishedRows().length === 0;
}

function enqueue(files: File[]): void {
  const store = app.store;
  if (!store) return;
  const list = byId("uploads");
  for (const file of files) {
    const row = new UploadRow(file, { dismiss: (r) => dismiss([r.el]), changed: summarize });
    row.controller.signal.addEventListener("abort", () => {
      const i = queue.findIndex((q) => q.row === row);
      if (i >= 0) {
        queue.splice(i, 1);
        row.fail(row.controller.signal.reason ?? new DOMException("cancelled", "AbortError"));
      }
    });
    list.prepend(row.el);
    queue.push({ row, store });
  }
  pump();
}

function pump(): void {
  while (running < PARALLEL && queue.length > 0) {
    const { row, store } = queue.shift()!;
    running++;
    void upload(row, store).finally(() => {
      running--;
      pump();
    });
  }
}

async function upload(row: UploadRow, store: ObjectStore): Promise<void> {
  const { file } = row;
  const meta: ObjectMeta = { name: file.name };
  if (file.type) meta.headers = { "Content-Type": [file.type] };
  row.start();
  try {
    const info = await store.put(meta, file, {
      signal: row.controller.signal,
      onProgress: (p) => row.progress(p.bytes, p.total ?? file.size),
    });
    row.done();
    showObject(info);
  } catch (err) {
    row.fail(err);
  }
  if (app.store === store) app.emit("bucket-changed");
}
