// A Service Worker serving objects under /objects/ (registered as sw.js?servers=ws://host:port).
import { optionsFromScriptUrl, serveObjectStore } from "nats-objectstore-web/service-worker";

serveObjectStore({ ...optionsFromScriptUrl(), prefix: "objects" });
