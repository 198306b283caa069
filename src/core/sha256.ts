/** The incremental SHA-256 the put and get paths use. */
import { sha256 } from "@noble/hashes/sha2.js";

/**
 * An incremental hash: feed bytes in order, then take the 32-byte digest once. A hash that runs elsewhere
 * (`workerSha256`) may answer with promises: the put or get awaits a promise from `update` before it
 * feeds more (backpressure), and the digest's.
 */
export interface Hasher {
  /** Feeds the next bytes; they are the caller's again once this returns (or its promise settles). */
  update(bytes: Uint8Array): void | Promise<void>;
  /** The 32-byte digest of everything fed, taken once. */
  digest(): Uint8Array | Promise<Uint8Array>;
  /** Called when the put or get ends without taking the digest, so the hash can free what it holds. */
  dispose?(): void;
}

/** A {@link Hasher} that answers at once, as every hasher of this thread does. */
export interface SyncHasher extends Hasher {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
}

/** Makes a fresh {@link Hasher} (some, such as WebAssembly ones, are made asynchronously). */
export type HasherFactory = () => Hasher | Promise<Hasher>;

/** The portable SHA-256: `@noble/hashes`, pure JavaScript, runs everywhere. */
export const nobleSha256: () => SyncHasher = () => {
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
