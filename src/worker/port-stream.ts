/**
 * A byte stream over a `MessagePort` with real backpressure: the receiver grants chunks as its reader
 * makes room ({@link receiveStream}), the sender reads its source only as far as granted
 * ({@link sendStream}). Each chunk's ArrayBuffer is transferred, never cloned: a chunk that is a view of a
 * larger buffer (a socket frame, a pool) is copied once on the sending side first, so the sender never
 * detaches memory someone else still reads. Other messages may share the port; these use their own tags.
 * @module
 */
import type { CallPortMessage } from "./protocol.js";
import { reviveError, serializeError, type SerializedError } from "./errors.js";

/** Chunks granted ahead of the reader by default: with 128 KiB chunks, 1 MiB in flight. */
export const DEFAULT_STREAM_WINDOW = 8;

/** `bytes` in a buffer of its own, safe to transfer. */
export function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const b = bytes.buffer;
  if (b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength && !isResizable(b)) {
    return bytes as Uint8Array<ArrayBuffer>;
  }
  return bytes.slice();
}

function isResizable(b: ArrayBuffer): boolean {
  return (b as { resizable?: boolean }).resizable === true;
}

/**
 * Sends `stream` on `port` as the receiver grants credit; resolves when the stream ended, errored (the
 * error is sent) or was cancelled by the receiver (the stream is cancelled with its reason).
 */
export async function sendStream(stream: ReadableStream<Uint8Array>, port: MessagePort): Promise<void> {
  const reader = stream.getReader();
  let credit = 0;
  let cancelled = false;
  let wake: (() => void) | undefined;
  const onMessage = (ev: MessageEvent<CallPortMessage>) => {
    const m = ev.data;
    if (m.t === "credit") credit += m.n;
    else if (m.t === "cancel") {
      cancelled = true;
      reader.cancel(reviveError(m.reason)).catch(() => undefined);
    } else return;
    wake?.();
  };
  port.addEventListener("message", onMessage);
  port.start();
  try {
    for (;;) {
      while (credit <= 0 && !cancelled) await new Promise<void>((r) => (wake = r));
      if (cancelled) return;
      const { done, value } = await reader.read();
      if (cancelled) return;
      if (done) {
        post(port, { t: "end" });
        return;
      }
      credit--;
      const data = ownBuffer(value);
      post(port, { t: "chunk", data }, [data.buffer]);
    }
  } catch (err) {
    if (!cancelled) post(port, { t: "broken", error: serializeError(err) });
  } finally {
    port.removeEventListener("message", onMessage);
    reader.releaseLock();
  }
}

/**
 * The stream a {@link sendStream} on the other end of `port` feeds. At most `window` chunks are queued or
 * granted and on their way at once; cancelling it cancels the sender's stream. `onSettled` is called once
 * when the stream ended, errored (`ended` true: nothing more comes on the port) or was cancelled; `revive`
 * makes the error of a broken stream.
 */
export function receiveStream(
  port: MessagePort, window = DEFAULT_STREAM_WINDOW, onSettled?: (ended: boolean) => void, revive: (e: SerializedError) => Error = reviveError,
): ReadableStream<Uint8Array> {
  let granted = 0;
  let settled = false;
  let onMessage: ((ev: MessageEvent<CallPortMessage>) => void) | undefined;
  const settle = (ended: boolean) => {
    if (settled) return;
    settled = true;
    if (onMessage) port.removeEventListener("message", onMessage);
    onSettled?.(ended);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        onMessage = (ev) => {
          const m = ev.data;
          if (settled) return;
          if (m.t === "chunk") {
            granted--;
            controller.enqueue(m.data);
          } else if (m.t === "end") {
            settle(true);
            controller.close();
          } else if (m.t === "broken") {
            settle(true);
            controller.error(revive(m.error));
          }
        };
        port.addEventListener("message", onMessage);
        port.start();
      },
      pull(controller) {
        const want = (controller.desiredSize ?? 0) - granted;
        if (want > 0 && !settled) {
          granted += want;
          post(port, { t: "credit", n: want });
        }
      },
      cancel(reason) {
        if (settled) return;
        post(port, { t: "cancel", reason: serializeError(reason ?? new Error("cancelled")) });
        settle(false);
      },
    },
    new CountQueuingStrategy({ highWaterMark: window }),
  );
}

/** Posts one message of the call-port protocol. */
export function post(port: MessagePort, m: CallPortMessage, transfer: Transferable[] = []): void {
  port.postMessage(m, transfer);
}
