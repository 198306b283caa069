// node:test entry: every portable suite in test/suite/ over the v3 client's `wsconnect()` (@nats-io/nats-core).
import { registerNodeSuites } from "../harness/node-runner.js";

await registerNodeSuites("v3-ws");
