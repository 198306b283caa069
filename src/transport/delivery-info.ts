/** What the reply subject of a consumer's delivery says about the message. */

/** Sequence numbers and timing of one delivered message. */
export interface DeliveryInfo {
  /** The message's stream sequence. */
  streamSeq: number;
  /** The consumer's delivery sequence (1, 2, 3... with no gaps for an un-acked consumer). */
  deliverySeq: number;
  /** Messages left for the consumer after this one. */
  pending: number;
  /** RFC 3339 time the server stored the message. */
  time: string;
}

/**
 * Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` and the newer form with
 * domain and account tokens. Returns `undefined` for anything else.
 */
export function parseDeliverySubject(reply: string | undefined): DeliveryInfo | undefined {
  if (!reply || !reply.startsWith("$JS.ACK.")) return undefined;
  const t = reply.split(".");
  let i: number;
  if (t.length === 9) i = 4;
  else if (t.length >= 11) i = 6;
  else return undefined;
  const streamSeq = Number(t[i + 1]);
  const deliverySeq = Number(t[i + 2]);
  const pending = Number(t[i + 4]);
  const ts = t[i + 3] ?? "0";
  if (!Number.isFinite(streamSeq) || !Number.isFinite(deliverySeq) || !Number.isFinite(pending)) return undefined;
  return { streamSeq, deliverySeq, pending, time: nanosToIso(ts) };
}

function nanosToIso(ns: string): string {
  try {
    const n = BigInt(ns);
    const ms = Number(n / 1_000_000n);
    const frac = (n % 1_000_000_000n).toString().padStart(9, "0");
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
  } catch {
    return new Date(0).toISOString();
  }
}
