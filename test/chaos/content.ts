/**
 * The bytes a campaign's put writes: they say which put wrote them, so whatever a read returns names its
 * writer. A 16-byte header (magic `CHS1`, the put's key, its size) is followed by filler derived from the
 * campaign seed and the key; a read is attributed to a put only when every byte is what that put wrote.
 * Empty objects carry no header: they are attributed by their meta's nuid, or to any empty put.
 */
import { fillPseudoRandom } from "../harness/fixtures.js";

/** The header length; non-empty contents are at least this long. */
export const HEADER_BYTES = 16;
const MAGIC = [0x43, 0x48, 0x53, 0x31]; // "CHS1"

/** The content of the put `key` (a campaign-wide unique op key) of `size` bytes. */
export function contentOf(campaignSeed: number, key: number, size: number): Uint8Array {
  if (size !== 0 && size < HEADER_BYTES) throw new Error(`content size ${size}: 0 or at least ${HEADER_BYTES}`);
  const out = new Uint8Array(size);
  if (size === 0) return out;
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, key);
  view.setUint32(8, size);
  view.setUint32(12, (campaignSeed ^ key) >>> 0);
  return fillPseudoRandom(out, HEADER_BYTES, (Math.imul(campaignSeed, 0x9e3779b1) ^ Math.imul(key + 1, 0x85ebca6b)) >>> 0 || 1);
}

/** What a read's bytes say about their writer. */
export type Attribution =
  | { kind: "empty" }
  | { kind: "put"; key: number }
  | { kind: "garbage"; why: string };

/**
 * Names the put whose content `bytes` are, checking every byte against what that put wrote; `known`
 * tells whether a key is a put of this campaign (and so its expected bytes can be made).
 */
export function attribute(campaignSeed: number, bytes: Uint8Array, known: (key: number) => boolean): Attribution {
  if (bytes.length === 0) return { kind: "empty" };
  if (bytes.length < HEADER_BYTES || MAGIC.some((m, i) => bytes[i] !== m)) {
    return { kind: "garbage", why: `${bytes.length} bytes without the campaign's header` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const key = view.getUint32(4);
  const size = view.getUint32(8);
  if (!known(key)) return { kind: "garbage", why: `header names put ${key}, which no client issued` };
  if (size !== bytes.length) return { kind: "garbage", why: `put ${key} wrote ${size} bytes, read ${bytes.length}` };
  const expected = contentOf(campaignSeed, key, size);
  for (let i = 0; i < size; i++) {
    if (expected[i] !== bytes[i]) return { kind: "garbage", why: `put ${key}: byte ${i} differs` };
  }
  return { kind: "put", key };
}
