// A browser page: the package over nats.ws. Bundlers must leave nats.ws's guarded require("crypto")
// alone (esbuild: `external: ["crypto"]`).
import { connect } from "nats.ws";
import { report } from "./page-report.js";

report("natsws", (servers) => connect({ servers }));
