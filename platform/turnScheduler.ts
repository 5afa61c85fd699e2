/** Callers `TurnScheduler` admits per turn of the event loop, by default. */
export const DEFAULT_PER_TURN = 10;

export interface TurnSchedulerOptions {
  /** Callers admitted per turn of the event loop, at least 1. Default `DEFAULT_PER_TURN`. */
  perTurn?: number;
}

/**
 * Admits callers a few per turn of the event loop, in the order they asked,
 * so a burst of work that arrives at once (thousands of subscribes after a
 * reconnect) runs in small batches with the event loop's I/O between them,
 * instead of as one long stretch that leaves every other request waiting.
 *
 * `await scheduler.turn()` before the work: while fewer than `perTurn`
 * callers were admitted this turn and nobody waits, it resolves at once;
 * otherwise the caller waits its turn, and each later turn (a `setImmediate`,
 * which runs after the I/O the loop has polled) admits the next `perTurn`.
 * Only what an admitted caller does before its first real wait (I/O, a
 * timer) counts against its turn; the scheduler holds nothing across it.
 */
export class TurnScheduler {
  private readonly perTurn: number;
  /** Waiting callers, oldest at `head`. */
  private waiting: Array<() => void> = [];
  private head = 0;
  private admitted = 0;
  private scheduled = false;

  constructor(options: TurnSchedulerOptions = {}) {
    this.perTurn = Math.max(1, Math.floor(options.perTurn ?? DEFAULT_PER_TURN));
  }

  /** Callers waiting for a turn now. */
  get pending(): number {
    return this.waiting.length - this.head;
  }

  /** Admits the caller now, synchronously, when this turn has room and nobody waits; false (nothing taken) otherwise: then `turn()`. */
  tryNow(): boolean {
    if (this.pending > 0 || this.admitted >= this.perTurn) return false;
    this.schedule();
    this.admitted += 1;
    return true;
  }

  /** Resolves when the caller may run: at once if this turn has room and nobody waits, else in a later turn, in arrival order. */
  turn(): Promise<void> {
    this.schedule();
    if (this.pending === 0 && this.admitted < this.perTurn) {
      this.admitted += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The next turn counts afresh; it is scheduled while this one admitted anybody or somebody waits. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.nextTurn());
  }

  private nextTurn(): void {
    this.scheduled = false;
    this.admitted = 0;
    while (this.pending > 0 && this.admitted < this.perTurn) {
      const admit = this.waiting[this.head]!;
      this.head += 1;
      this.admitted += 1;
      admit();
    }
    // Drop the admitted from the front when all are, or now and then, not on every admission (shift is linear).
    if (this.pending === 0) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    if (this.admitted > 0) this.schedule();
  }
}
