/**
 * A read lane of the benchmark's page (bench/.build/page/lane-worker.js): told the server's URL by its
 * first message, it connects with nats.ws and serves read runs to the page (the get option `connections`).
 */
import { connect } from "nats.ws";
import { serveReadLane, type LanePort } from "../src/index.ts";

const scope = self as unknown as LanePort & { postMessage(m: unknown): void; removeEventListener(t: "message", f: (e: MessageEvent) => void): void };
scope.addEventListener("message", async function first(e: MessageEvent) {
  const m = e.data as { t?: string; url?: string };
  if (m?.t !== "lane-connect" || !m.url) return;
  scope.removeEventListener("message", first);
  const nc = await connect({ servers: m.url, maxReconnectAttempts: 0, name: "bench lane" });
  serveReadLane(scope, nc);
  scope.postMessage({ t: "lane-ready" });
});
