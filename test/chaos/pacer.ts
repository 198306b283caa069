/**
 * Paces a campaign's workload against its plan: a step (a fault, a checkpoint) is due once its number of
 * operations has started, and clients wait rather than run more than `slack` operations past a step not
 * taken yet, so every planned fault lands among operations, however long faults take. The controller can
 * also pause the clients and wait until none has an operation in flight, for a quiescent checkpoint.
 */
export class Pacer {
  private started = 0;
  private fired = 0;
  private inFlight = 0;
  private paused = false;
  private aborted: Error | undefined;
  private clients: (() => void)[] = [];
  private injector: (() => void) | undefined;

  /** @param thresholds each step's operation number, ascending; @param slack how far clients may run ahead */
  constructor(
    private readonly thresholds: readonly number[],
    private readonly slack: number,
  ) {}

  /** Operations started so far. */
  get count(): number {
    return this.started;
  }

  /** A client calls this before each operation: it waits while paused or while the next step is overdue. */
  async beforeOp(): Promise<void> {
    while (!this.aborted && (this.paused || (this.fired < this.thresholds.length && this.started >= this.thresholds[this.fired]! + this.slack))) {
      await new Promise<void>((r) => this.clients.push(r));
    }
    if (this.aborted) throw this.aborted;
    this.started++;
    this.inFlight++;
    this.wakeController();
  }

  /** A client calls this after each operation settles. */
  afterOp(): void {
    this.inFlight--;
    this.wakeController();
  }

  /** The controller calls this: resolves once step `i` is due, or `finished()` says no more operations come. */
  async untilDue(i: number, finished: () => boolean): Promise<void> {
    while (this.started < this.thresholds[i]! && !finished()) {
      await new Promise<void>((r) => (this.injector = r));
    }
  }

  /** Stops clients from starting operations and resolves once none is in flight. */
  async pause(): Promise<void> {
    this.paused = true;
    while (this.inFlight > 0) await new Promise<void>((r) => (this.injector = r));
  }

  /** Lets clients go on after {@link pause}. */
  resume(): void {
    this.paused = false;
    this.wakeClients();
  }

  /** The controller calls this after each step: waiting clients go on. */
  stepDone(): void {
    this.fired++;
    this.wakeClients();
  }

  private wakeClients(): void {
    const waiting = this.clients;
    this.clients = [];
    for (const w of waiting) w();
  }

  /** Ends the campaign early: waiting and later {@link beforeOp} calls throw `reason`. */
  abort(reason: Error): void {
    this.aborted = reason;
    this.wakeClients();
  }

  /** Wakes the controller (after an operation starts or settles, or when the clients are done). */
  wakeController(): void {
    const w = this.injector;
    this.injector = undefined;
    w?.();
  }
}
