// faults.test.ts over the v3 TCP client (@nats-io/transport-node): the same server restarts.
import { runFileWith } from "../harness/node-clients.js";

await runFileWith("v3-tcp", new URL("./faults.test.ts", import.meta.url));
