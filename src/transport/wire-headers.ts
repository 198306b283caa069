/**
 * Headers of an outgoing message, made by this library rather than by a client's `headers()`: both
 * nats.ws and the v3 clients serialise a publish's headers by calling `encode()`, which gives the NATS
 * header block `NATS/1.0\r\nName: value\r\n…\r\n\r\n`.
 */
import type { OutgoingHeaders } from "./connection.js";

const enc = new TextEncoder();

/** A small ordered header set with the `encode()` the clients call. */
export class WireHeaders implements OutgoingHeaders {
  private readonly entries = new Map<string, string>();

  /** Sets a header (replacing a value set before). Names and values must not contain CR, LF or `:` in names. */
  set(key: string, value: string): void {
    if (!/^[!-9;-~]+$/.test(key)) throw new TypeError(`invalid header name ${JSON.stringify(key)}`);
    if (/[\r\n]/.test(value)) throw new TypeError(`invalid value of header ${key}`);
    this.entries.set(key, value.trim());
  }

  /** A header's value, `""` when it is not set. */
  get(key: string): string {
    return this.entries.get(key) ?? "";
  }

  /** The header block, as the NATS protocol carries it. */
  encode(): Uint8Array {
    let text = "NATS/1.0\r\n";
    for (const [k, v] of this.entries) text += `${k}: ${v}\r\n`;
    return enc.encode(`${text}\r\n`);
  }
}

/** Headers with the given entries. */
export function wireHeaders(entries: Record<string, string>): WireHeaders {
  const h = new WireHeaders();
  for (const [k, v] of Object.entries(entries)) h.set(k, v);
  return h;
}
