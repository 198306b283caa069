/**
 * The nats.go row of the benchmark: bench/go/main.go, built once per source and Go version into
 * bench/.build/go/ in GOPATH mode against Debian's nats.go sources (the packages golang-go and
 * golang-github-nats-io-go-nats-dev that `node scripts/setup.mjs test` installs for the interop tests),
 * offline. Where Go or those sources are missing the row is left out and the run says why.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, BUILD_DIR } from "../build.ts";

const GOPATH = process.env.INTEROP_GO_GOPATH ?? "/usr/share/gocode";
const SOURCE = join(BENCH_DIR, "go", "main.go");
const OUT_DIR = join(BUILD_DIR, "go");

/** The built program, or why there is none. */
export type GoBench = { bin: string; version: string } | { missing: string };

export function buildGoBench(): GoBench {
  const go = ["/usr/local/go/bin/go", "/usr/bin/go", "/usr/lib/go/bin/go"].find((p) => existsSync(p)) ?? "go";
  const env = {
    ...process.env, GO111MODULE: "off", GOPATH, GOFLAGS: "", GOPROXY: "off", GOTOOLCHAIN: "local", GOENV: "off", CGO_ENABLED: "0",
    GOCACHE: join(OUT_DIR, "gocache"),
  };
  const goVersion = spawnSync(go, ["version"], { encoding: "utf8", env });
  if (goVersion.status !== 0) return { missing: "no Go toolchain" };
  const natsGo = join(GOPATH, "src", "github.com", "nats-io", "nats.go");
  const version = /Version\s+=\s+"([^"]+)"/.exec(existsSync(join(natsGo, "nats.go")) ? readFileSync(join(natsGo, "nats.go"), "utf8") : "")?.[1];
  if (!version || !existsSync(join(natsGo, "object.go"))) return { missing: `no nats.go sources with the object store in ${natsGo}` };
  const key = createHash("sha256").update(readFileSync(SOURCE)).update(goVersion.stdout).update(version).digest("hex").slice(0, 12);
  const bin = join(OUT_DIR, `bench-go-${key}`);
  if (existsSync(bin)) return { bin, version };
  mkdirSync(OUT_DIR, { recursive: true });
  console.log("building bench/go with nats.go", version, "(once per source and Go version) …");
  const tmp = `${bin}.tmp-${process.pid}`;
  const r = spawnSync(go, ["build", "-o", tmp, "."], { cwd: join(BENCH_DIR, "go"), env, encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    return { missing: `go build failed: ${(r.stderr || r.error?.message || "").trim().split("\n")[0]}` };
  }
  renameSync(tmp, bin);
  return { bin, version };
}
