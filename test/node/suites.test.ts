// node:test entry: every portable suite in test/suite/ over nats.ws (see test/harness/node-runner.ts).
import { registerNodeSuites } from "../harness/node-runner.js";

await registerNodeSuites("nats.ws");
