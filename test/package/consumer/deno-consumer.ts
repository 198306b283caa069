// A Deno consumer: npm: imports resolved from the installed node_modules (deno.json nodeModulesDir
// "manual"), nats.ws over Deno's own WebSocket (env NATS_WS_URL).
import { connect } from "npm:nats.ws";
import { objectStoreManager } from "npm:nats-objectstore-web";
import { roundTrip } from "./roundtrip.js";

const nc = await connect({ servers: Deno.env.get("NATS_WS_URL") });
try {
  console.log(await roundTrip(objectStoreManager(nc), "deno"));
} finally {
  await nc.close();
}
