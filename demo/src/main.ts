/** The demo's entry: mounts each panel. The panels talk through `app` (state.ts). */
import { mountBucketHeader } from "./bucket-header.js";
import { mountBuckets } from "./buckets.js";
import { mountConnection } from "./connection.js";
import { byId, h, icon, ICONS } from "./dom.js";
import * as notify from "./notify.js";
import { mountObjects } from "./objects.js";
import { app } from "./state.js";
import { mountUpload } from "./upload.js";

function emptyState(): void {
  const box = byId("empty-state");
  const render = () =>
    box.replaceChildren(
      icon(ICONS.bucket),
      app.nc
        ? h("div", null, h("h2", null, "Pick a bucket"), h("p", { class: "muted" }, "Choose a bucket on the left, or create one to start uploading."),
          h("button", { type: "button", class: "btn btn-primary", style: "margin-top:12px", onclick: () => byId("new-bucket").click() }, "Create a bucket"))
        : h("div", null, h("h2", null, "Not connected"), h("p", { class: "muted" }, "Enter the WebSocket URL of a nats-server with JetStream and connect.")),
    );
  render();
  app.on("connection", render);
}

// Anything that slipped past the panels' own handling still ends up as a readable message.
window.addEventListener("unhandledrejection", (ev) => {
  ev.preventDefault();
  notify.error("Something failed", ev.reason);
});

emptyState();
mountConnection();
mountBuckets();
mountBucketHeader();
// `?widgets`: Uppy's Dashboard and FilePond in place of the drop zone (their code is loaded only then)
if (new URLSearchParams(location.search).has("widgets")) void import("./widgets.js").then((m) => m.mountWidgets());
else mountUpload();
mountObjects();
