/**
 * SHA-256 implementations the benchmark compares, as the library's HasherFactory (sync update/digest).
 * hash-wasm's instances are created asynchronously, so its factory is prepared up front (`prepareHashers`)
 * and hands out pre-initialised instances (re-`init()`ed on each use).
 */
import { sha256 as jsSha256 } from "js-sha256";
import { nobleSha256, defaultSha256, nodeSha256, workerSha256, type Hasher, type HasherFactory } from "../../src/index.ts";

export type HasherName = "default" | "noble" | "node" | "hashwasm" | "jssha256" | "noop" | "worker";

let inWorker: HasherFactory | undefined;

/** SHA-256 in a Worker of its own (bench/hash-worker.ts, next to the page's script), started on first use. */
function hashWorker(): HasherFactory | string {
  if (typeof Worker === "undefined" || typeof (globalThis as { process?: unknown }).process !== "undefined") {
    return "hashing in a Worker: browsers only";
  }
  inWorker ??= workerSha256(new Worker(new URL("hash-worker.js", import.meta.url), { type: "module", name: "bench hasher" }));
  return inWorker;
}

const noop: HasherFactory = () => ({ update() {}, digest: () => new Uint8Array(32) });

const jsSha: HasherFactory = () => {
  const h = jsSha256.create();
  return { update: (b) => void h.update(b), digest: () => Uint8Array.from(h.digest()) };
};

let hashWasm: HasherFactory | undefined;
let hashWasmError: string | undefined;

/** Loads hash-wasm (bench/node_modules) if it is installed; its factory is then available. */
export async function prepareHashers(): Promise<void> {
  if (hashWasm || hashWasmError) return;
  try {
    const { createSHA256 } = await import("hash-wasm");
    const pool = await Promise.all([createSHA256(), createSHA256(), createSHA256(), createSHA256()]);
    let next = 0;
    hashWasm = (): Hasher => {
      const h = pool[next++ % pool.length]!;
      h.init();
      return { update: (b) => void h.update(b), digest: () => h.digest("binary") };
    };
  } catch (e) {
    hashWasmError = `hash-wasm unavailable: ${(e as Error).message}`;
  }
}

/** The factory for a name, or a string saying why it is not available here. */
export function hasherFactory(name: HasherName): HasherFactory | string {
  switch (name) {
    case "default":
      return defaultSha256;
    case "noble":
      return nobleSha256;
    case "jssha256":
      return jsSha;
    case "noop":
      return noop;
    case "hashwasm":
      return hashWasm ?? hashWasmError ?? "hash-wasm not prepared";
    case "node":
      return nodeSha256 ?? "node:crypto not available in this runtime";
    case "worker":
      return hashWorker();
  }
}
