/**
 * The fastest incremental SHA-256 this runtime offers. Node and Deno expose `node:crypto` through
 * `process.getBuiltinModule`, native code several times faster than pure JavaScript; everywhere else
 * (browsers, workers) it is `@noble/hashes`. No import of a Node module, so bundles for browsers stay clean.
 */
import { nobleSha256, type Hasher, type HasherFactory } from "../core/sha256.js";

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

/** SHA-256 through native `node:crypto` where the runtime has it, else `@noble/hashes`. */
export const defaultSha256: HasherFactory = native
  ? (): Hasher => {
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
  : nobleSha256;
