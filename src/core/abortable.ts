/** Reading a source that may stall, so that an abort is noticed at once rather than at its next piece. */
import { AbortedError } from "./errors.js";

/**
 * Yields the pieces of `source` until it ends or `signal` aborts; an abort rejects the pending read with
 * {@link AbortedError} `ABORTED` even while the source is waiting for data, and closes the source.
 */
export async function* untilAborted(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const it = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new AbortedError("ABORTED", "aborted", { cause: signal.reason }));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  let finished = false;
  try {
    for (;;) {
      const r = await Promise.race([it.next(), aborted]);
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    signal.removeEventListener("abort", onAbort!);
    if (!finished) void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}
