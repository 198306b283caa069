// A browser page: the package over the v3 client's wsconnect().
import { wsconnect } from "@nats-io/nats-core";
import { report } from "./page-report.js";

report("wsconnect", (servers) => wsconnect({ servers }));
