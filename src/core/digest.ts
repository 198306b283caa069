/** The SHA-256 digest string on the wire: written one way, read every way older clients wrote it. */
import { decodeBase64, encodeBase64 } from "./base64.js";
import { InvalidArgumentError } from "./errors.js";

const PREFIX = "SHA-256=";

/** Formats a 32-byte SHA-256 hash as the wire digest: `SHA-256=` + padded base64url (what nats.go verifies). */
export function formatDigest(hash: Uint8Array): string {
  return PREFIX + encodeBase64(hash, { url: true, pad: true });
}

/**
 * Parses a wire digest into its 32 hash bytes. Accepts the prefix in any case, and the hash as base64url
 * (padded or not), standard base64, or hex. Throws {@link InvalidArgumentError} `INVALID_DIGEST_FORMAT`.
 */
export function parseDigest(digest: string): Uint8Array {
  const eq = digest.indexOf("=");
  const algo = eq > 0 ? digest.slice(0, eq) : "";
  if (algo.toUpperCase() !== "SHA-256") {
    throw new InvalidArgumentError("INVALID_DIGEST_FORMAT", `not a SHA-256 digest: ${digest.slice(0, 80)}`);
  }
  const value = digest.slice(eq + 1);
  let bytes: Uint8Array | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) {
    bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) bytes[i] = parseInt(value.slice(i * 2, i * 2 + 2), 16);
  } else {
    bytes = decodeBase64(value);
  }
  if (!bytes || bytes.length !== 32) {
    throw new InvalidArgumentError("INVALID_DIGEST_FORMAT", `invalid SHA-256 digest: ${digest.slice(0, 80)}`);
  }
  return bytes;
}

/** True when two hashes hold the same bytes. */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
