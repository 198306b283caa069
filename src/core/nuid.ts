/** Unique ids for chunk subjects and message ids: 22 characters of [0-9A-Za-z] from a CSPRNG. */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A fresh random id, like a NATS NUID (22 base-62 characters, about 131 bits). */
export function newNuid(): string {
  const bytes = new Uint8Array(22);
  crypto.getRandomValues(bytes);
  let out = "";
  // 248 is the largest multiple of 62 below 256: reject above it so every character is equally likely.
  for (let i = 0; out.length < 22; i++) {
    if (i === bytes.length) {
      crypto.getRandomValues(bytes);
      i = 0;
    }
    const b = bytes[i]!;
    if (b < 248) out += ALPHABET[b % 62]!;
  }
  return out;
}
