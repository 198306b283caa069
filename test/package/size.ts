/**
 * The size budget (issue #16): the minified and gzipped (zlib level 9) esbuild bundle of a browser page
 * that imports `objectStoreManager` from the installed tarball and does a put and a get
 * (consumer/page-v3.ts over the v3 `wsconnect()`, consumer/page-natsws.ts over nats.ws), each checked
 * against test/package/size-budget.json; the same page with nats.ws's own object store and with
 * `@nats-io/obj` + `@nats-io/nats-core` is measured and printed beside them for comparison.
 *
 * Reproduce: node --import tsx test/package/main.ts (the `size` line), or README "Package size".
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

/** Node-only modules behind guards that a browser bundle must leave alone: nats.ws's ESM bundle `require("crypto")`, @nats-io/obj's `import("node:crypto")`. */
export const ESBUILD_EXTERNAL = ["crypto", "node:crypto"];

/** The page bundles measured: budgeted ones are ours, the others are printed for comparison. */
const PAGES = [
  { name: "ours + wsconnect", entry: "page-v3.ts", budgeted: true },
  { name: "ours + nats.ws", entry: "page-natsws.ts", budgeted: true },
  { name: "nats.ws object store", entry: "size-natsws-os.ts", budgeted: false },
  { name: "@nats-io/obj + nats-core", entry: "size-nats-obj.ts", budgeted: false },
] as const;

interface Budget {
  /** Largest allowed gzipped size in bytes, by page name. */
  maxGzipBytes: Record<string, number>;
}

/** Bundles a page entry (a path inside `dir`, resolved against `dir`'s node_modules) for the browser. */
export async function bundlePage(dir: string, entry: string, outfile: string | undefined, minify: boolean): Promise<Uint8Array> {
  const { build } = await import("esbuild");
  const r = await build({
    absWorkingDir: dir,
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: ESBUILD_EXTERNAL,
    minify,
    logLevel: "silent",
    ...(outfile ? { outfile } : { write: false, outfile: "out.js" }),
  });
  if (outfile) return readFileSync(outfile);
  const file = r.outputFiles?.[0];
  if (!file) throw new Error(`esbuild wrote nothing for ${entry}`);
  return file.contents;
}

/** Measures every page; throws when one of ours is over its budget. Returns the figures, one per line. */
export async function checkSizes(dir: string): Promise<string> {
  const budget = JSON.parse(readFileSync(new URL("./size-budget.json", import.meta.url), "utf8")) as Budget;
  const lines: string[] = [];
  const over: string[] = [];
  for (const page of PAGES) {
    const min = await bundlePage(dir, page.entry, undefined, true);
    const gz = gzipSync(min, { level: 9 }).length;
    const max = budget.maxGzipBytes[page.name];
    if (page.budgeted && max === undefined) over.push(`${page.name}: no budget in size-budget.json`);
    if (max !== undefined && gz > max) over.push(`${page.name}: ${gz} bytes gzipped > budget ${max}`);
    const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    lines.push(`${page.name}: ${kib(min.length)} min, ${kib(gz)} gzip (${gz} B${max !== undefined ? `, budget ${max} B` : ""})`);
  }
  if (over.length) throw new Error(`${over.join("\n")}\n${lines.join("\n")}`);
  return lines.join("\n");
}
