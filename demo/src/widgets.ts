/**
 * The upload widgets view (`?widgets` in the page URL): Uppy's Dashboard (with Golden Retriever, so an
 * upload cut short by a reload resumes) and FilePond in place of the drop zone, both uploading into the
 * selected bucket through the library's adapters (`nats-objectstore-web/uppy`,
 * `nats-objectstore-web/filepond`). The objects table below them is the same, fed by `watch()`.
 *
 * Page URL options: `?chunkSize=BYTES`, `?limit=N` (Uppy files at once), `?reconnectWaitMs=MS`.
 */
import Uppy, { type Meta } from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import GoldenRetriever from "@uppy/golden-retriever";
import * as FilePond from "filepond";
import { filePondServer } from "nats-objectstore-web/filepond";
import { NatsObjectStoreUploader, type NatsUploadBody } from "nats-objectstore-web/uppy";
import "@uppy/core/css/style.min.css";
import "@uppy/dashboard/css/style.min.css";
import "filepond/dist/filepond.min.css";
import "./widgets.css";
import { byId, h } from "./dom.js";
import * as notify from "./notify.js";
import { showObject } from "./objects.js";
import { objectHref } from "./service-worker.js";
import { app } from "./state.js";

/** Puts both widgets in place of the drop zone; they upload once a bucket is selected. */
export function mountWidgets(): void {
  const query = new URLSearchParams(location.search);
  const input = h("input", { type: "file", id: "filepond", multiple: true });
  const card = byId("drop-zone").parentElement!;
  card.classList.add("widgets");
  card.replaceChildren(h("div", { id: "uppy-dashboard" }), h("div", { class: "filepond-box" }, h("h3", null, "FilePond"), input));
  const back = new URLSearchParams(query);
  back.delete("widgets");
  Object.assign(byId<HTMLAnchorElement>("page-link"), { href: `?${back}`, textContent: "Drop zone" });
  document.title += " · upload widgets";

  const number = (key: string) => (query.has(key) ? Number(query.get(key)) : undefined);
  const chunkSize = number("chunkSize");
  const reconnectWaitMs = number("reconnectWaitMs");

  const uppy = new Uppy<Meta, NatsUploadBody>({ id: "nats-objectstore-demo", autoProceed: false })
    .use(Dashboard, { inline: true, target: "#uppy-dashboard", height: 380, proudlyDisplayPoweredByUppy: false, showLinkToFileUploadResult: true, singleFileFullScreen: false })
    .use(GoldenRetriever)
    .use(NatsObjectStoreUploader, {
      chunkSize, reconnectWaitMs, limit: number("limit") ?? 3,
      uploadURL: (info) => new URL(objectHref(info.bucket, info.name), location.href).href,
    });
  uppy.on("upload-success", (_file, response) => {
    if (response.body) showObject(response.body.info);
  });

  const pond = FilePond.create(input, { allowMultiple: true, credits: false, maxParallelUploads: 3, server: null, labelIdle: "Drop files or <span class=\"filepond--label-action\">browse</span>" });
  pond.on("processfile", (err, file) => {
    if (err) notify.error(`FilePond: ${file.filename}`, new Error(err.body));
  });

  app.on("bucket", () => {
    const store = app.store;
    uppy.getPlugin<NatsObjectStoreUploader<Meta, NatsUploadBody>>("NatsObjectStore")?.setOptions({ store, manager: app.manager });
    pond.setOptions({ server: store ? filePondServer(store, { chunkSize, reconnectWaitMs }) : null });
  });
  // for the console (and the e2e tests, which read the widgets' state)
  Object.assign(window, { demoWidgets: { uppy, pond } });
}
