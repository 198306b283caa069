/**
 * The jnats peer: `io.nats:jnats`'s ObjectStore, at the version pom.xml pins (2.26.2, the newest release
 * when written). Built with `mvn -q -B package` through Maven Central (the local repository is Maven's
 * default); the peer's jar and its dependencies' jars (lib/) go straight to the peers' cache, nothing
 * into the work tree. See scripts/peers.mjs.
 */
import { rmSync } from "node:fs";
import { delimiter, join } from "node:path";

const VERSION = "2.26.2"; // keep in step with pom.xml

export default {
  id: "java",
  label: `jnats v${VERSION}`,
  client: "jnats",
  version: VERSION,
  kind: "contract",
  toolchain: ({ toolVersion }) => `${toolVersion("java", ["-version"])}\n${toolVersion("mvn", ["-v"])}`,
  async build({ src, out, run }) {
    await run("mvn", ["-q", "-B", "-Dstyle.color=never", "package", `-Dpeer.out=${out}`], { cwd: src });
    rmSync(join(out, "build"), { recursive: true, force: true });
  },
  command: ({ out }) => ({
    // A short-lived process: the C1 compiler alone starts faster.
    argv: ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", `${join(out, "peer.jar")}${delimiter}${join(out, "lib", "*")}`, "interop.Peer"],
  }),
};
