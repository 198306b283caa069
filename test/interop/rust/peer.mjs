/**
 * The async-nats peer: the Rust crate's object store (`async_nats::jetstream::object_store`), at the
 * version Cargo.toml pins (`=0.51.0`, the newest release when written); the other crates resolve at
 * build time within Cargo.toml's ranges (no Cargo.lock is kept: a lock file names its registry's
 * index, which files here must not). Built with cargo from the Rust crate registry; the target
 * directory is shared by every build of this peer in the peers' cache (`.target-rust`), so a change
 * to main.rs recompiles only the peer.
 * See scripts/peers.mjs.
 */
import { copyFileSync } from "node:fs";
import { dirname, join } from "node:path";

const VERSION = "0.51.0"; // keep in step with Cargo.toml
/**
 * The dev profile (without debug info, see Cargo.toml): it builds in about half the CPU time of
 * `--release`, and the peer's work is I/O and ring's assembly SHA-256, so a 5 MiB object still takes
 * well under a second either way.
 */
const PROFILE = "debug";
const BUILD_ARGS = PROFILE === "release" ? ["--release"] : [];

export default {
  id: "rust",
  label: `async-nats v${VERSION}`,
  client: "async-nats",
  version: VERSION,
  kind: "contract",
  toolchain: ({ toolVersion }) => `${toolVersion("cargo", ["--version"])}\n${toolVersion("rustc", ["--version"])}`,
  async build({ src, out, run, which }) {
    const target = join(dirname(out), ".target-rust");
    // ~/.cargo/bin may be missing from PATH (a non-login shell): `which` looks there too
    await run(which("cargo") ?? "cargo", ["build", ...BUILD_ARGS], {
      cwd: src,
      env: { CARGO_TARGET_DIR: target, CARGO_INCREMENTAL: "0", CARGO_TERM_COLOR: "never", CARGO_TERM_PROGRESS_WHEN: "never" },
    });
    copyFileSync(join(target, PROFILE, "interop-rust-peer"), join(out, "peer"));
  },
  command: ({ out }) => ({ argv: [join(out, "peer")] }),
};
