// resume-connection.test.ts over the v3 TCP client (@nats-io/transport-node): the same cuts and outages.
import { runFileWith } from "../harness/node-clients.js";

await runFileWith("v3-tcp", new URL("./resume-connection.test.ts", import.meta.url));
