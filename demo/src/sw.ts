/**
 * The demo's Service Worker (built to `sw.js` next to index.html by demo/service-worker-plugin.ts):
 * serves `nats/<bucket>/<name>` from the object store with the library's Service Worker module, so
 * previews play video straight from NATS with range requests. Registered by service-worker.ts as
 * `sw.js?servers=<the page's server>&client=<v3 | nats.ws>`: it connects with the page's client
 * (clients.ts; esbuild bundles both, since a Service Worker cannot import a module later).
 *
 * It also keeps the last requests it answered; a page can ask for them with a MessageChannel
 * (`{ type: "served-log" }`), which the e2e tests and a curious person in DevTools use.
 */
import { optionsFromScriptUrl, serveObjectStore, type ServedRequest } from "nats-objectstore-web/service-worker";
import { clientId, connectWith, DEFAULT_CLIENT } from "./clients.js";

const KEEP = 500;
const served: ServedRequest[] = [];

const fromUrl = optionsFromScriptUrl();
const client = clientId(new URL(location.href).searchParams.get("client")) ?? DEFAULT_CLIENT;

serveObjectStore({
  ...fromUrl,
  connect: () => connectWith(client, { servers: fromUrl.servers, name: `objectstore-demo-sw (${client})` }),
  onServe: (entry) => {
    served.push(entry);
    if (served.length > KEEP) served.shift();
  },
});

addEventListener("message", (event) => {
  const { data, ports } = event as MessageEvent<{ type?: string }>;
  if (data?.type === "served-log") ports[0]?.postMessage({ type: "served-log", served });
});
