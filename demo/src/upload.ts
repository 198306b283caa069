/** The drop zone and file picker, and the upload queue (a few uploads at once, the rest queued). */
import { ObjectStoreError, type ObjectMeta, type ObjectStore, type UploadCheckpoint } from "nats-objectstore-web";
import * as notify from "./notify.js";
import { formatBytes } from "./format.js";
import { checkpointSaver, findUnfinished, forgetUnfinished, listUnfinished } from "./unfinished-uploads.js";
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
  const unfinished = h("div", { id: "unfinished-uploads", class: "unfinished", hidden: true });
  zone.after(unfinished);
  const render = () => void renderUnfinished(unfinished);
  app.on("bucket", render);
  app.on("bucket-changed", render);
}

/** Lists the selected bucket's unfinished uploads (from an earlier visit), each with Forget. */
async function renderUnfinished(box: HTMLElement): Promise<void> {
  const bucket = app.store?.bucket;
  const list = bucket ? await listUnfinished(bucket).catch(() => []) : [];
  box.hidden = list.length === 0;
  box.replaceChildren(
    h("p", { class: "muted small" }, "Unfinished uploads: pick the same file again to resume where it stopped."),
    h("ul", null, ...list.map((u) => h("li", { "data-name": u.fileName },
      h("strong", null, u.fileName), ` · ${formatBytes(u.checkpoint.bytes)} of ${formatBytes(u.size)} sent · `,
      h("button", { type: "button", class: "link-btn", onclick: async () => {
        await forgetUnfinished(u.bucket, u).catch(() => undefined);
        await renderUnfinished(box);
      } }, "Forget")))),
  );
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
  const bucket = store.bucket;
  const meta: ObjectMeta = { name: file.name };
  if (file.type) meta.headers = { "Content-Type": [file.type] };
  let resumeFrom = (await findUnfinished(bucket, file).catch(() => undefined))?.checkpoint;
  if (resumeFrom && !(await row.offerResume(resumeFrom.bytes))) {
    await forgetUnfinished(bucket, file).catch(() => undefined);
    resumeFrom = undefined;
  }
  if (row.controller.signal.aborted) return;
  row.start();
  const saver = checkpointSaver(bucket, file);
  const put = (from: UploadCheckpoint | undefined) => store.put(meta, file, {
    signal: row.controller.signal,
    onCheckpoint: saver.save,
    ...(from ? { resumeFrom: from } : {}),
    onProgress: (p) => {
      if (p.resumedFrom !== undefined && row.el.dataset.resumedFrom === undefined) row.resumed(p.resumedFrom);
      row.progress(p.bytes, p.total ?? file.size);
    },
  });
  try {
    let info;
    try {
      info = await put(resumeFrom);
    } catch (err) {
      // the file changed since the interrupted upload: upload it whole
      if (!(err instanceof ObjectStoreError && err.code === "RESUME_MISMATCH")) throw err;
      notify.info(`${file.name} changed since its upload was interrupted: uploading it again from the start`);
      info = await put(undefined);
    }
    await saver.stop();
    await forgetUnfinished(bucket, file).catch(() => undefined);
    row.done();
    showObject(info);
  } catch (err) {
    await saver.stop();
    if (row.controller.signal.aborted) await forgetUnfinished(bucket, file).catch(() => undefined);
    else row.resumable = true;
    row.fail(err);
  }
  if (app.store === store) app.emit("bucket-changed");
}
