/**
 * serveObjectStore (src/platform/service-worker.ts) in Node, against a real nats-server: the worker's
 * global scope is a stand-in (an EventTarget with `registration`, `skipWaiting` and `clients.claim`),
 * fetch events are dispatched to it as a browser would. Checks which requests it answers (its prefix
 * under the scope, same origin only), that it takes over on install/activate, its one lazily opened
 * connection (reopened after a close), a connect failure as a 502, the onServe log, and
 * optionsFromScriptUrl. Chromium runs the real thing in test/e2e/media.e2e.ts.
 */
import { after, before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { connect, type NatsConnection } from "nats.ws";
import { objectStoreManager, type ObjectStoreManager } from "../../src/index.js";
import {
  optionsFromScriptUrl, serveObjectStore, type FetchEventLike, type ServedRequest, type ServiceWorkerScopeLike,
} from "../../src/platform/service-worker.js";
import { testServer, uniqueBucket } from "../harness/node-server.js";

const ORIGIN = "https://app.test";
let ws: string;
let nc: NatsConnection;
let manager: ObjectStoreManager;
let bucket: string;

before(async () => {
  ws = (await testServer()).ws;
  nc = await connect({ servers: ws });
  manager = objectStoreManager(nc);
  bucket = uniqueBucket("sw");
  const store = await manager.createObjectStore({ bucket });
  await store.putString("a/b c.txt", "0123456789");
});

after(async () => {
  await manager?.deleteObjectStore(bucket).catch(() => undefined);
  await nc?.close();
});

/** A stand-in for ServiceWorkerGlobalScope that records what the module does with it. */
class Scope extends EventTarget {
  readonly location: { href: string };
  readonly registration: { scope: string };
  skipped = 0;
  claimed = 0;
  readonly clients = { claim: async () => void this.claimed++ };
  constructor(scriptUrl: string, scope: string) {
    super();
    this.location = { href: scriptUrl };
    this.registration = { scope };
  }
  async skipWaiting(): Promise<void> {
    this.skipped++;
  }
  /** Dispatches a fetch event: the response given to respondWith, or undefined when none was. */
  fetch(url: string, init?: RequestInit): Promise<Response> | undefined {
    let answer: Promise<Response> | undefined;
    const event = Object.assign(new Event("fetch"), {
      request: new Request(url, init),
      respondWith: (r: Response | Promise<Response>) => void (answer = Promise.resolve(r)),
    }) as FetchEventLike;
    this.dispatchEvent(event);
    return answer;
  }
  /** Dispatches install or activate and waits for what the listener passed to waitUntil. */
  async lifecycle(type: "install" | "activate"): Promise<void> {
    const waits: Promise<unknown>[] = [];
    this.dispatchEvent(Object.assign(new Event(type), { waitUntil: (p: Promise<unknown>) => void waits.push(p) }));
    await Promise.all(waits);
  }
}

const asScope = (s: Scope) => s as unknown as ServiceWorkerScopeLike;

describe("http: serveObjectStore (Service Worker edge)", () => {
  test("answers its prefix under the scope, leaves other URLs and other origins to the network", async () => {
    const scope = new Scope(`${ORIGIN}/app/sw.js?servers=${encodeURIComponent(ws)}`, `${ORIGIN}/app/`);
    const log: ServedRequest[] = [];
    const worker = serveObjectStore({ ...optionsFromScriptUrl(scope.location.href), scope: asScope(scope), onServe: (s) => log.push(s) });
    try {
      assert.equal(worker.prefix, "/app/nats");
      const res = await scope.fetch(`${ORIGIN}/app/nats/${bucket}/a/b%20c.txt`, { headers: { Range: "bytes=2-4" } });
      assert.ok(res, "a request under the prefix is answered");
      assert.equal(res.status, 206);
      assert.equal(res.headers.get("content-range"), "bytes 2-4/10");
      assert.equal(await res.text(), "234");
      for (const url of [`${ORIGIN}/app/index.html`, `${ORIGIN}/nats/${bucket}/a/b%20c.txt`, `https://other.test/app/nats/${bucket}/a/b%20c.txt`]) {
        assert.equal(scope.fetch(url), undefined, url);
      }
      assert.deepEqual(log.map((s) => [s.status, s.range, s.contentRange, s.error]), [[206, "bytes=2-4", "bytes 2-4/10", null]]);
      const missing = await scope.fetch(`${ORIGIN}/app/nats/${bucket}/nope`);
      assert.equal(missing?.status, 404);
      await missing.arrayBuffer();
      assert.equal(log.at(-1)?.error, "OBJECT_NOT_FOUND");
    } finally {
      await worker.close();
    }
  });

  test("takes over on install and activate unless claim is false", async () => {
    const scope = new Scope(`${ORIGIN}/sw.js`, `${ORIGIN}/`);
    const worker = serveObjectStore({ servers: ws, scope: asScope(scope) });
    await scope.lifecycle("install");
    await scope.lifecycle("activate");
    assert.deepEqual([scope.skipped, scope.claimed], [1, 1]);
    const quiet = new Scope(`${ORIGIN}/sw.js`, `${ORIGIN}/`);
    serveObjectStore({ servers: ws, scope: asScope(quiet), claim: false });
    await quiet.lifecycle("install");
    await quiet.lifecycle("activate");
    assert.deepEqual([quiet.skipped, quiet.claimed], [0, 0]);
    await worker.close();
  });

  test("one connection, opened on demand and reopened after it closed; an absolute prefix", async () => {
    const scope = new Scope(`${ORIGIN}/app/sw.js`, `${ORIGIN}/app/`);
    let opened = 0;
    const worker = serveObjectStore({
      scope: asScope(scope),
      prefix: "/files",
      connect: async () => {
        opened++;
        return connect({ servers: ws });
      },
    });
    try {
      assert.equal(opened, 0, "nothing is opened before the first request");
      const url = `${ORIGIN}/files/${bucket}/a%2Fb%20c.txt`;
      const answers = await Promise.all([scope.fetch(url), scope.fetch(url), scope.fetch(url)]);
      for (const res of answers) assert.equal(await res?.text(), "0123456789");
      assert.equal(opened, 1, "concurrent first requests share one connection");
      const first = await worker.connection();
      await first.close();
      assert.equal(await (await scope.fetch(url))?.text(), "0123456789");
      assert.equal(opened, 2, "a closed connection is replaced");
      assert.notEqual(await worker.connection(), first);
    } finally {
      await worker.close();
    }
  });

  test("a connection that cannot be opened is a 502 CONNECTION_FAILED, and the next request tries again", async () => {
    const scope = new Scope(`${ORIGIN}/sw.js`, `${ORIGIN}/`);
    let attempts = 0;
    const worker = serveObjectStore({
      scope: asScope(scope),
      connect: async () => {
        attempts++;
        throw Object.assign(new Error("refused"), { code: "CONNECTION_REFUSED" });
      },
    });
    for (let i = 1; i <= 2; i++) {
      const res = await scope.fetch(`${ORIGIN}/nats/${bucket}/x`);
      assert.equal(res?.status, 502);
      assert.equal(res.headers.get("x-object-store-error"), "CONNECTION_FAILED");
      assert.match(await res.text(), /CONNECTION_REFUSED: refused/);
      assert.equal(attempts, i);
    }
    const none = serveObjectStore({ scope: asScope(new Scope(`${ORIGIN}/sw.js`, `${ORIGIN}/`)) });
    const res = await none.handle(new Request(`${ORIGIN}/nats/${bucket}/x`));
    assert.equal(res?.status, 502, "no servers: a readable 502");
    assert.match(await res.text(), /needs `servers`/);
    await worker.close();
  });

  test("optionsFromScriptUrl reads servers (repeated or comma-separated) and prefix", () => {
    assert.deepEqual(optionsFromScriptUrl("https://x/sw.js?servers=ws://a:1,ws://b:2&servers=wss://c:3&prefix=files"),
      { servers: ["ws://a:1", "ws://b:2", "wss://c:3"], prefix: "files" });
    assert.deepEqual(optionsFromScriptUrl("https://x/sw.js"), { servers: [] });
  });
});
