/**
 * The nats.go peer: its `jetstream` package's ObjectStore (not the legacy JetStreamContext API), at the
 * version go.mod pins (the newest release when written). Built with `go build` through the Go module
 * proxy, checked against go.sum. See scripts/peers.mjs.
 */
import { join } from "node:path";

const VERSION = "1.56.0"; // keep in step with go.mod

export default {
  id: "go-jetstream",
  label: `nats.go v${VERSION} (jetstream)`,
  client: "nats.go",
  version: VERSION,
  kind: "contract",
  toolchain: ({ toolVersion }) => toolVersion("go", ["version"]),
  async build({ src, out, run }) {
    await run("go", ["build", "-mod=readonly", "-trimpath", "-o", join(out, "peer"), "."], {
      cwd: src,
      env: { CGO_ENABLED: "0", GOTOOLCHAIN: "local", GOFLAGS: "-buildvcs=false" },
    });
  },
  command: ({ out }) => ({ argv: [join(out, "peer")] }),
};
