// node:test entry: every portable suite in test/suite/ over TCP with the v3 client (@nats-io/transport-node).
import { registerNodeSuites } from "../harness/node-runner.js";

await registerNodeSuites("v3-tcp");
