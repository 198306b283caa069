/**
 * The nats-py peer (PyPI `nats-py`, its object store), in a virtual environment of its own in the
 * cache with the pinned version installed with pip. See scripts/peers.mjs and peer.py.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";

const VERSION = "2.16.0";

export default {
  id: "python",
  label: `nats-py ${VERSION}`,
  client: "nats-py",
  version: VERSION,
  kind: "contract",
  toolchain: ({ toolVersion }) => toolVersion("python3", ["-c", "import sys, venv; print(sys.version)"]),
  async build({ src, out, run }) {
    await run("python3", ["-m", "venv", join(out, "venv")]);
    const env = { PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1" };
    await run(join(out, "venv", "bin", "python"), ["-m", "pip", "install", "-q", "--no-cache-dir", `nats-py==${VERSION}`], { env });
    copyFileSync(join(src, "peer.py"), join(out, "peer.py"));
  },
  command: ({ out }) => ({ argv: [join(out, "venv", "bin", "python"), join(out, "peer.py")], env: { PYTHONUNBUFFERED: "1" } }),
};
