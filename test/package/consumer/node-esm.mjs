// A Node ESM consumer: the installed package over the v3 TCP client (env NATS_URL).
import { connect } from "@nats-io/transport-node";
import { objectStoreManager } from "nats-objectstore-web";
import { roundTrip } from "./roundtrip.js";

const nc = await connect({ servers: process.env.NATS_URL });
try {
  console.log(await roundTrip(objectStoreManager(nc), "node"));
} finally {
  await nc.close();
}
