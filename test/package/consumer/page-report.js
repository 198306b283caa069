// Runs a page's round trip over the connection `connect` opens to ?ws= and leaves its outcome where the
// runner reads it (globalThis.__package).
import { objectStoreManager } from "nats-objectstore-web";
import { roundTrip } from "./roundtrip.js";

/** @param {string} label  @param {(servers: string) => Promise<import("nats-objectstore-web").NatsConnectionLike>} connect */
export function report(label, connect) {
  const outcome = (async () => {
    const nc = await connect(new URLSearchParams(location.search).get("ws") ?? "");
    try {
      return { ok: await roundTrip(objectStoreManager(nc), label) };
    } finally {
      await nc.close();
    }
  })().catch((err) => ({ error: String(err?.stack ?? err) }));
  Object.assign(globalThis, { __package: outcome });
}
