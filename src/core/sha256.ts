/** The incremental SHA-256 the put and get paths use. */
import { sha256 } from "@noble/hashes/sha2.js";

/** An incremental hash: feed bytes in order, then take the 32-byte digest once. */
export interface Hasher {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
}

/** Makes a fresh {@link Hasher} (some, such as WebAssembly ones, are made asynchronously). */
export type HasherFactory = () => Hasher | Promise<Hasher>;

/** The portable SHA-256: `@noble/hashes`, pure JavaScript, runs everywhere. */
export const nobleSha256: HasherFactory = () => {
  const h = sha256.create();
  return {
    update(bytes) {
      h.update(bytes);
    },
    digest() {
      return h.digest();
    },
  };
};
