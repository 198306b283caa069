#!/usr/bin/env node
/**
 * Installs the benchmark-only packages (hash-wasm, ws: bench/package.json) into bench/node_modules when
 * they are missing. They are optional: when the install fails the bench runs without them and says so.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const missing = ["hash-wasm", "ws"].filter((p) => !existsSync(join(dir, "node_modules", p, "package.json")));
if (missing.length) {
  console.log(`bench setup: installing ${missing.join(", ")} into bench/node_modules`);
  const lock = existsSync(join(dir, "package-lock.json"));
  const r = spawnSync("npm", [lock ? "ci" : "install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir, stdio: ["ignore", "inherit", "inherit"], timeout: 180_000,
  });
  if (r.status !== 0) console.log("bench setup: could not install them; hash-wasm and the ws package will be reported as unavailable");
}
