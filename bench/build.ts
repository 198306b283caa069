/** Bundles the Node task runner and the page script with esbuild into bench/.build/. */
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = fileURLToPath(new URL("./", import.meta.url));
export const BUILD_DIR = join(BENCH_DIR, ".build");

export async function buildBundles(): Promise<{ nodeTask: string; pageDir: string }> {
  mkdirSync(join(BUILD_DIR, "page"), { recursive: true });
  await build({
    entryPoints: [join(BENCH_DIR, "node-task.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: join(BUILD_DIR, "node-task.mjs"),
    // nats.ws embeds tweetnacl's guarded require("crypto"); ws and hash-wasm load from bench/node_modules
    external: ["crypto", "ws", "hash-wasm"],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "error",
    sourcemap: "inline",
  });
  await build({
    // the page's script, the read lane Worker it starts for the `get x… worker lane` rows and the hashing
    // Worker of the `hash worker` rows
    entryPoints: {
      bench: join(BENCH_DIR, "page-entry.ts"), "lane-worker": join(BENCH_DIR, "lane-worker.ts"), "hash-worker": join(BENCH_DIR, "hash-worker.ts"),
    },
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    outdir: join(BUILD_DIR, "page"),
    // the TCP transport is imported only by Node tasks (lib/clients.ts): never reached in a page
    external: ["crypto", "node:crypto", "@nats-io/transport-node"],
    logLevel: "error",
    sourcemap: "inline",
  });
  writeFileSync(join(BUILD_DIR, "page", "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>bench</title></head>` +
    `<body><pre id="log">object store bench</pre><script type="module" src="bench.js"></script></body></html>\n`);
  return { nodeTask: join(BUILD_DIR, "node-task.mjs"), pageDir: join(BUILD_DIR, "page") };
}
