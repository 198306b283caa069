/** Calls at a bounded rate, for progress and state updates that come once per acknowledged chunk. */

/** What {@link throttle} returns: `call` with the newest value, `flush` to deliver a pending one now. */
export interface Throttled<T> {
  call(value: T): void;
  flush(): void;
  /** Drops a pending value (and its timer). */
  cancel(): void;
}

/** Delivers the first value at once, then at most one every `ms`: the newest of those that came meanwhile. */
export function throttle<T>(fn: (value: T) => void, ms: number): Throttled<T> {
  let last = -Infinity;
  let pending: { value: T } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deliver = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const { value } = pending;
    pending = undefined;
    last = Date.now();
    fn(value);
  };
  return {
    call(value) {
      pending = { value };
      const wait = last + ms - Date.now();
      if (wait <= 0) deliver();
      else timer ??= setTimeout(deliver, wait);
    },
    flush: deliver,
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}
