/**
 * Objects as URLs, through the demo's Service Worker (sw.ts): after each connect it is registered as
 * `sw.js?servers=<that server>&client=<v3 | nats.ws>`, so it connects with the page's client; once it
 * controls the page, `nats/<bucket>/<name>` is answered from the object store, so a `<video>` plays
 * and seeks with range requests and nothing is copied into a Blob.
 *
 * Without it (no Service Worker support, or a connection with a user, password or token, which do not
 * belong in a script URL) {@link objectUrl} gives `undefined` and callers read through `get()` instead.
 * `<html data-sw="on">` is set while it serves, for the CSS of the Open links.
 */
import { objectPath } from "nats-objectstore-web";
import type { ClientId } from "./clients.js";

/** Where the worker serves objects, relative to the page (and to its scope: the same directory). */
const PREFIX = "nats";
const TAKEOVER_MS = 10_000;

let serving = false;
let generation = 0;

/** What of the connection options matters here: credentials keep the worker out. */
export interface Credentials {
  user?: string | undefined;
  pass?: string | undefined;
  token?: string | undefined;
}

/** The worker's script URL for a server and client (sw.ts reads both back). */
export function workerScript(server: string, client: ClientId): string {
  return new URL(`sw.js?${new URLSearchParams({ servers: server, client })}`, document.baseURI).href;
}

/**
 * Registers the worker for `server`, connecting with `client`, and waits (up to 10 s) until it
 * controls the page. Never rejects.
 */
export async function useServiceWorker(server: string, client: ClientId, credentials: Credentials = {}): Promise<void> {
  const mine = ++generation;
  setServing(false);
  if (!("serviceWorker" in navigator) || credentials.user || credentials.pass || credentials.token) return;
  const script = workerScript(server, client);
  try {
    await navigator.serviceWorker.register(script, { scope: "./" });
    await controlledBy(script);
    if (mine === generation) setServing(true);
  } catch (err) {
    console.warn("no Service Worker: previews read objects into Blobs instead.", err);
  }
}

function setServing(on: boolean): void {
  serving = on;
  document.documentElement.dataset.sw = on ? "on" : "off";
}

/** Resolves once the worker at `script` controls this page (a new one claims it as it activates). */
function controlledBy(script: string): Promise<void> {
  const sw = navigator.serviceWorker;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (sw.controller?.scriptURL !== script) return;
      stop();
      resolve();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`the Service Worker did not take over within ${TAKEOVER_MS / 1000} s`));
    }, TAKEOVER_MS);
    const stop = (): void => {
      clearTimeout(timer);
      sw.removeEventListener("controllerchange", check);
    };
    sw.addEventListener("controllerchange", check);
    check();
  });
}

/** The URL the worker serves an object at (whether or not it is serving now). `download` asks for an attachment. */
export function objectHref(bucket: string, name: string, download = false): string {
  const url = new URL(objectPath(bucket, name, PREFIX), document.baseURI);
  if (download) url.search = "download";
  return url.href;
}

/** The object's URL while the worker serves this page's server, else `undefined`. */
export function objectUrl(bucket: string, name: string): string | undefined {
  return serving ? objectHref(bucket, name) : undefined;
}
