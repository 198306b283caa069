/** The bucket sidebar: list, select and create buckets. */
import type { ObjectStoreConfig, ObjectStoreStatus } from "nats-objectstore-web";
import { askForm } from "./dialog.js";
import { byId, h, icon, ICONS } from "./dom.js";
import { formatBytes } from "./format.js";
import * as notify from "./notify.js";
import { app } from "./state.js";

const list = () => byId<HTMLUListElement>("bucket-list");
let selected: string | undefined;
let selecting = 0;

export function mountBuckets(): void {
  const newButton = byId<HTMLButtonElement>("new-bucket");
  const refresh = byId<HTMLButtonElement>("refresh-buckets");
  refresh.append(icon(ICONS.refresh));
  const filter = byId<HTMLInputElement>("bucket-filter");
  filter.addEventListener("input", applyFilter);
  newButton.addEventListener("click", () => void createBucket());
  refresh.addEventListener("click", () => void reload());
  app.on("connection", () => {
    newButton.disabled = refresh.disabled = !app.nc;
    if (!app.nc) selected = undefined;
    void reload();
  });
  app.on("buckets-changed", () => void reload());
}

/** Reloads the list from the server (statuses of every bucket). */
async function reload(): Promise<void> {
  const m = app.manager;
  if (!m) {
    list().replaceChildren();
    return;
  }
  let statuses: ObjectStoreStatus[];
  try {
    statuses = await m.list();
  } catch (err) {
    notify.error("Cannot list buckets", err);
    return;
  }
  list().replaceChildren(
    ...statuses.map((s) =>
      h("li", null,
        h("button", {
          type: "button", class: "bucket-item", "data-bucket": s.bucket, "aria-current": s.bucket === selected ? "true" : undefined,
          onclick: () => void select(s.bucket),
        },
          icon(s.sealed ? ICONS.lock : ICONS.bucket),
          h("span", { class: "bucket-text" },
            h("span", { class: "bucket-name", title: s.bucket }, s.bucket),
            h("span", { class: "bucket-size" }, `${formatBytes(s.size)}${s.sealed ? " · sealed" : ""}`)),
        ),
      ),
    ),
  );
  if (statuses.length === 0) list().append(h("li", { class: "muted pad" }, "No buckets yet."));
  byId("bucket-filter").hidden = statuses.length <= 8;
  applyFilter();
  if (selected && !statuses.some((s) => s.bucket === selected)) await select(undefined);
}

/** Hides the buckets whose name does not contain the filter text. */
function applyFilter(): void {
  const text = byId<HTMLInputElement>("bucket-filter").value.trim().toLowerCase();
  for (const el of list().querySelectorAll<HTMLElement>(".bucket-item")) {
    el.parentElement!.hidden = !!text && !(el.dataset.bucket ?? "").toLowerCase().includes(text);
  }
}

/** Opens a bucket and makes it the selected one (undefined: none). */
export async function select(bucket: string | undefined): Promise<void> {
  selected = bucket;
  for (const el of list().querySelectorAll<HTMLElement>(".bucket-item")) {
    if (el.dataset.bucket === bucket) {
      el.setAttribute("aria-current", "true");
      el.scrollIntoView({ block: "nearest" });
    }
    else el.removeAttribute("aria-current");
  }
  const mine = ++selecting;
  let store: typeof app.store;
  try {
    store = bucket && app.manager ? await app.manager.objectStore(bucket) : undefined;
  } catch (err) {
    notify.error(`Cannot open bucket ${bucket}`, err);
  }
  if (mine !== selecting) return; // another selection came after this one
  app.store = store;
  app.emit("bucket");
}

/** Shows a fresh status (size, sealed) in the bucket's list entry. */
export function showStatusInList(s: ObjectStoreStatus): void {
  const item = list().querySelector<HTMLElement>(`.bucket-item[data-bucket="${CSS.escape(s.bucket)}"]`);
  if (!item) return;
  item.querySelector(".icon")?.replaceWith(icon(s.sealed ? ICONS.lock : ICONS.bucket));
  const size = item.querySelector(".bucket-size");
  if (size) size.textContent = `${formatBytes(s.size)}${s.sealed ? " · sealed" : ""}`;
}

const UNIT_MS: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const UNIT_BYTES: Record<string, number> = { MB: 1e6, GB: 1e9, MiB: 2 ** 20, GiB: 2 ** 30 };

async function createBucket(): Promise<void> {
  const values = await askForm({
    title: "New bucket",
    submit: "Create bucket",
    fields: [
      { name: "bucket", label: "Name", required: true, placeholder: "e.g. photos", hint: "Letters, digits, - and _" },
      { name: "description", label: "Description", placeholder: "optional" },
      { name: "storage", label: "Storage", type: "select", options: [["file", "File (persistent)"], ["memory", "Memory"]] },
      { name: "ttl", label: "Time to live", type: "number", placeholder: "keep forever", group: "ttl" },
      { name: "ttlUnit", label: "", type: "select", value: "d", options: [["s", "seconds"], ["min", "minutes"], ["h", "hours"], ["d", "days"]], group: "ttl" },
      { name: "maxBytes", label: "Max size", type: "number", placeholder: "unlimited", group: "max" },
      { name: "maxUnit", label: "", type: "select", value: "GiB", options: [["MB", "MB"], ["GB", "GB"], ["MiB", "MiB"], ["GiB", "GiB"]], group: "max" },
      { name: "replicas", label: "Replicas", type: "number", value: "1", hint: "More than 1 needs a JetStream cluster" },
    ],
    onSubmit: async (v) => {
      const config: ObjectStoreConfig = { bucket: v.bucket ?? "", storage: v.storage === "memory" ? "memory" : "file" };
      if (v.description) config.description = v.description;
      if (v.ttl) config.ttl = Number(v.ttl) * (UNIT_MS[v.ttlUnit ?? "d"] ?? 1);
      if (v.maxBytes) config.maxBytes = Math.round(Number(v.maxBytes) * (UNIT_BYTES[v.maxUnit ?? "GiB"] ?? 1));
      if (v.replicas) config.replicas = Number(v.replicas);
      if (!app.manager) throw new Error("not connected");
      await app.manager.createObjectStore(config);
    },
  });
  if (!values) return;
  notify.info("Bucket created", values.bucket);
  await reload();
  await select(values.bucket);
}
