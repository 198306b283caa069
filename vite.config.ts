/**
 * Vite config of the demo app (demo/). `npm run demo` starts a nats-server and this dev server;
 * the e2e tests (test/e2e/) build it with `vite build` into a temp dir and serve that.
 *
 * The demo imports the library as `nats-objectstore-web`, aliased here to src/ (no build step). Its
 * Service Worker (demo/src/sw.ts) is bundled on its own into `sw.js` (demo/service-worker-plugin.ts).
 */
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import { serviceWorker } from "./demo/service-worker-plugin.js";

const demoRoot = fileURLToPath(new URL("./demo/", import.meta.url));
const library = fileURLToPath(new URL("./src/index.ts", import.meta.url));
const swModule = fileURLToPath(new URL("./src/platform/service-worker.ts", import.meta.url));
const swEntry = fileURLToPath(new URL("./demo/src/sw.ts", import.meta.url));
const uppyAdapter = fileURLToPath(new URL("./src/adapters/uppy.ts", import.meta.url));
const filePondAdapter = fileURLToPath(new URL("./src/adapters/filepond.ts", import.meta.url));

/**
 * nats.ws's ESM bundle embeds tweetnacl, whose PRNG set-up has a guarded `require("crypto")` that is
 * never reached in a browser (it uses globalThis.crypto). Resolve it to an empty module instead of
 * letting Vite externalize it with a warning.
 */
function emptyCrypto(): Plugin {
  const id = "\0empty-crypto";
  return {
    name: "empty-crypto",
    enforce: "pre",
    resolveId: (source) => (source === "crypto" ? id : null),
    load: (source) => (source === id ? "export default {};" : null),
  };
}

export default defineConfig({
  root: demoRoot,
  base: "./",
  plugins: [
    emptyCrypto(),
    serviceWorker({ entry: swEntry, alias: { "nats-objectstore-web/service-worker": swModule, "nats-objectstore-web": library } }),
  ],
  resolve: {
    alias: [
      { find: /^nats-objectstore-web\/service-worker$/, replacement: swModule },
      { find: /^nats-objectstore-web\/uppy$/, replacement: uppyAdapter },
      { find: /^nats-objectstore-web\/filepond$/, replacement: filePondAdapter },
      { find: /^nats-objectstore-web$/, replacement: library },
    ],
  },
  server: { host: "127.0.0.1", strictPort: false },
  preview: { host: "127.0.0.1" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1024 },
});
