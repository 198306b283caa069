/** A limit on uploads in flight at once: a counting semaphore whose waiters are served in order. */
import { AbortedError, InvalidArgumentError } from "../core/errors.js";

/** Hands out at most `limit` slots at once; a slot is given back by calling what {@link take} returned. */
export class Slots {
  readonly #limit: number;
  #used = 0;
  readonly #waiting: Array<() => void> = [];

  /** @param limit slots at once (a whole number >= 1, or `Infinity`) */
  constructor(limit: number) {
    if (!(limit === Infinity || (Number.isSafeInteger(limit) && limit >= 1))) {
      throw new InvalidArgumentError("INVALID_ARGUMENT", "limit must be a whole number >= 1 (or Infinity)");
    }
    this.#limit = limit;
  }

  /** Waits for a free slot (or rejects with `ABORTED` when `signal` aborts first); returns its release. */
  async take(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw aborted(signal);
    if (this.#used >= this.#limit) {
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal?.removeEventListener("abort", leave);
          resolve();
        };
        const leave = () => {
          const i = this.#waiting.indexOf(turn);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(aborted(signal));
        };
        this.#waiting.push(turn);
        signal?.addEventListener("abort", leave, { once: true });
      });
    } else {
      this.#used++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight on
      else this.#used--;
    };
  }
}

function aborted(signal: AbortSignal | undefined): AbortedError {
  return new AbortedError("ABORTED", "upload cancelled while it waited for its turn", { cause: signal?.reason });
}
