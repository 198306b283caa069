/** Stopping an HTTP answer's work when its request is aborted (the client went away). */
import { AbortedError } from "../core/errors.js";

/** The error a request's abort turns into. */
export function requestAborted(signal: AbortSignal): AbortedError {
  return new AbortedError("ABORTED", "the request was aborted", { cause: signal.reason });
}

/**
 * `work`, or a rejection with {@link AbortedError} `ABORTED` as soon as `signal` aborts (at once when it
 * already has). Whatever `work` resolves to after the abort is handed to `discard` (to release it).
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, discard?: (late: T) => void): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    void work.then((late) => discard?.(late), () => undefined);
    return Promise.reject(requestAborted(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(requestAborted(signal));
      void work.then((late) => discard?.(late), () => undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value); // after an abort: a no-op, and onAbort handed the value to discard
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
