// interop.test.ts with ours over the v3 WebSocket client (`wsconnect()` of @nats-io/nats-core).
import { runFileWith } from "../harness/node-clients.js";

await runFileWith("v3-ws", new URL("./interop.test.ts", import.meta.url));
