/**
 * The fastest incremental SHA-256 this runtime offers:
 * - Node (and anything exposing `node:crypto` through `process.getBuiltinModule`): native code;
 * - elsewhere (browsers, workers, Deno): WebAssembly (`hash-wasm`), about 5x `@noble/hashes` in Chromium;
 * - where WebAssembly cannot run (a strict CSP): `@noble/hashes`, pure JavaScript.
 * No import of a Node module, so bundles for browsers stay clean.
 */
import { createSHA256 } from "hash-wasm";
import { nobleSha256, type SyncHasher } from "../core/sha256.js";

interface NodeHash {
  update(data: Uint8Array): NodeHash;
  digest(): Uint8Array;
}

function nodeCrypto(): { createHash(alg: string): NodeHash } | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return p?.getBuiltinModule?.("node:crypto") as { createHash(alg: string): NodeHash } | undefined;
  } catch {
    return undefined;
  }
}

const native = nodeCrypto();

/** SHA-256 through native `node:crypto`; `undefined` where the runtime does not offer it synchronously. */
export const nodeSha256: (() => SyncHasher) | undefined = native
  ? (): SyncHasher => {
      const h = native.createHash("sha256");
      return {
        update(bytes) {
          h.update(bytes);
        },
        digest() {
          return new Uint8Array(h.digest());
        },
      };
    }
  : undefined;

let wasmUsable = typeof WebAssembly !== "undefined";

/** SHA-256 in WebAssembly (`hash-wasm`), falling back to `@noble/hashes` where WebAssembly is refused. */
export const wasmSha256: () => Promise<SyncHasher> = async (): Promise<SyncHasher> => {
  if (wasmUsable) {
    try {
      const h = await createSHA256();
      h.init();
      return {
        update(bytes) {
          h.update(bytes);
        },
        digest() {
          return h.digest("binary");
        },
      };
    } catch {
      wasmUsable = false;
    }
  }
  return nobleSha256();
};

/** The default: native `node:crypto` where the runtime has it, else WebAssembly, else `@noble/hashes`. */
export const defaultSha256: () => SyncHasher | Promise<SyncHasher> = nodeSha256 ?? wasmSha256;
