/**
 * Builds the demo's Service Worker (demo/src/sw.ts) into one classic script with esbuild and serves it
 * as `/sw.js`: on request in `vite dev`, and as the asset `sw.js` at the root of the output in
 * `vite build`. One self-contained file at the root keeps its scope over the whole app (and
 * `nats/…`) and needs no module-worker support from the browser.
 */
import { build, type Plugin as EsbuildPlugin } from "esbuild";
import type { Plugin } from "vite";

/** Options of {@link serviceWorker}. */
export interface ServiceWorkerPluginOptions {
  /** The worker's source file. */
  entry: string;
  /** Its file name in the output and URL path under the base (default `sw.js`). */
  fileName?: string;
  /** Import specifiers mapped to files (the library's package subpaths, aliased to src/). */
  alias?: Record<string, string>;
}

/** esbuild: aliases, and nats.ws's never-reached `require("crypto")` (tweetnacl) as an empty module. */
function resolver(alias: Record<string, string>): EsbuildPlugin {
  return {
    name: "demo-sw-resolve",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.path === "crypto") return { path: "crypto", namespace: "empty" };
        const to = alias[args.path];
        return to ? { path: to } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "module.exports = {};", loader: "js" }));
    },
  };
}

/** The Vite plugin: `sw.js` bundled from `entry`, served by the dev server and emitted by the build. */
export function serviceWorker(opts: ServiceWorkerPluginOptions): Plugin {
  const fileName = opts.fileName ?? "sw.js";
  const bundle = async (dev: boolean): Promise<string> => {
    const out = await build({
      entryPoints: [opts.entry],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      target: "es2022",
      sourcemap: dev ? "inline" : false,
      minify: !dev,
      logLevel: "silent",
      plugins: [resolver(opts.alias ?? {})],
    });
    const file = out.outputFiles[0];
    if (!file) throw new Error(`esbuild produced nothing for ${opts.entry}`);
    return file.text;
  };
  return {
    name: "demo-service-worker",
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        if (path !== `/${fileName}`) return next();
        bundle(true).then(
          (code) => {
            res.setHeader("Content-Type", "text/javascript; charset=utf-8");
            res.setHeader("Cache-Control", "no-store");
            res.end(code);
          },
          (err: unknown) => next(err),
        );
      });
    },
    async generateBundle() {
      this.emitFile({ type: "asset", fileName, source: await bundle(false) });
    },
  };
}
