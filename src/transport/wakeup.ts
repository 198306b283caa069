/** A signal that wakes everyone waiting for "something changed" (an ack, a failure, a recovery). */
export class Wakeup {
  private wake: (() => void) | undefined;

  /** Wakes every caller waiting in {@link next}. */
  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Resolves at the next {@link notify}. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      const prev = this.wake;
      this.wake = () => {
        prev?.();
        resolve();
      };
    });
  }
}
