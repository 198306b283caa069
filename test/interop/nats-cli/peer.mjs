/**
 * The `nats` CLI (natscli), installed with `go install` through the Go module proxy at a pinned
 * version. Not a contract peer: test/node/interop-peers.test.ts drives its own commands
 * (`nats object add/put/get/ls/info/...`). See scripts/peers.mjs.
 */
import { join } from "node:path";

const VERSION = "0.5.0";

export default {
  id: "nats-cli",
  label: `nats CLI v${VERSION}`,
  client: "natscli",
  version: VERSION,
  kind: "cli",
  toolchain: ({ toolVersion }) => toolVersion("go", ["version"]),
  async build({ out, run }) {
    await run("go", ["install", "-trimpath", `github.com/nats-io/natscli/nats@v${VERSION}`], {
      cwd: out, // outside any module
      env: { GOBIN: out, CGO_ENABLED: "0", GOTOOLCHAIN: "local", GOFLAGS: "-buildvcs=false" },
    });
  },
  command: ({ out }) => ({ argv: [join(out, "nats")] }),
};
