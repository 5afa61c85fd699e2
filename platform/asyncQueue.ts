/**
 * How a queue ends. The reader first reads the backlog (unless
 * `dropBacklog`), then `last` when one is given, then its next read throws
 * `error` when one is given; every read after that is done.
 */
export interface QueueEnding<T> {
  /** Thrown by the read after the backlog (and `last`), once. */
  error?: unknown;
  /** A final value, read after the backlog; it may exceed `capacity`. */
  last?: T;
  /** Drop the values still unread (the reader will not get them). */
  dropBacklog?: boolean;
}

/**
 * What a push does to a queue whose backlog is full:
 * - `wait`: the value is queued, and the push's promise resolves only once
 *   the reader takes a value, so a producer that awaits it goes at the
 *   reader's pace. A reader that takes nothing for `stallMs` (when given) is
 *   taken to be gone: the queue ends with `stalled()`.
 * - `end`: the value is not queued; the queue ends with `overflowed()`.
 */
export type WhenFull<T> = { wait: { stallMs?: number; stalled?: () => QueueEnding<T> } } | { end: () => QueueEnding<T> };

export interface AsyncQueueOptions<T> {
  /** Values held unread at most, at least 1. */
  capacity: number;
  /** Default `{ wait: {} }`: a full backlog holds the producer back for as long as the reader takes. */
  whenFull?: WhenFull<T>;
  /**
   * Stops the producer; called once, when the queue ends for whatever reason
   * (`end`, a full backlog's policy, or the reader's `return()`), which waits
   * for it. It must not throw; a rejection is ignored.
   */
  onStop?: () => void | Promise<void>;
}

/**
 * A push-to-pull async iterator with a bounded backlog: a producer `push`es
 * values (a bus delivering events, a socket receiving results), a reader
 * pulls them with `for await`, which is what a GraphQL `subscribe` resolver
 * returns and a transport reads.
 *
 * The backlog policy: at most `capacity` values wait unread; a push into a
 * full backlog either waits for the reader or ends the queue (`whenFull`).
 * Ending is explicit (`end`), by the reader leaving (`return()`, which drops
 * the backlog), or by the policy; every way runs `onStop` once. Several reads
 * may wait at once; they get values oldest first, the first of them an
 * ending's error, the others done.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly backlog: T[] = [];
  // Reads waiting for a value, oldest first.
  private readonly readers: Array<{ resolve(step: IteratorResult<T>): void; reject(error: unknown): void }> = [];
  // The push waiting for room in a full backlog (only with `wait`).
  private full?: { resume(): void; stall?: NodeJS.Timeout };
  private failure?: { error: unknown };
  private stopped?: Promise<void>;
  private isEnded = false;

  constructor(private readonly options: AsyncQueueOptions<T>) {
    if (!(options.capacity >= 1)) throw new RangeError(`An AsyncQueue's capacity must be at least 1, got ${options.capacity}.`);
  }

  /** True once the queue has ended: pushes are ignored from then on. */
  get ended(): boolean {
    return this.isEnded;
  }

  /** Values waiting unread. */
  get size(): number {
    return this.backlog.length;
  }

  /**
   * Hands `value` to a waiting read, or queues it. Resolves at once, except
   * under `wait` when this push filled the backlog: then once the reader
   * takes a value or the queue ends. Ignored once the queue has ended.
   */
  push(value: T): Promise<void> {
    if (this.isEnded) return Promise.resolve();
    const reader = this.readers.shift();
    if (reader) {
      reader.resolve({ value, done: false });
      return Promise.resolve();
    }
    const whenFull = this.options.whenFull ?? { wait: {} };
    if ('end' in whenFull) {
      if (this.backlog.length >= this.options.capacity) this.end(whenFull.end());
      else this.backlog.push(value);
      return Promise.resolve();
    }
    this.backlog.push(value);
    if (this.backlog.length < this.options.capacity) return Promise.resolve();
    const { stallMs, stalled } = whenFull.wait;
    return new Promise<void>((resume) => {
      const stall = stallMs === undefined ? undefined : setTimeout(() => this.end(stalled?.() ?? { dropBacklog: true }), stallMs);
      // A stalled reader must not keep the process alive.
      stall?.unref();
      this.full = { resume, stall };
    });
  }

  /** Ends the queue as `ending` says (by default: the backlog is read, then done) and stops the producer. Idempotent. */
  end(ending: QueueEnding<T> = {}): void {
    if (this.isEnded) return;
    this.isEnded = true;
    if (ending.dropBacklog) this.backlog.length = 0;
    if ('last' in ending) this.backlog.push(ending.last as T);
    if (ending.error !== undefined) this.failure = { error: ending.error };
    // Lets a push waiting for room finish, or stopping the producer could wait for it forever.
    this.resumePush();
    void this.stop();
    while (this.readers.length) {
      const reader = this.readers.shift()!;
      if (this.backlog.length) reader.resolve({ value: this.backlog.shift()!, done: false });
      else if (this.failure) {
        reader.reject(this.failure.error);
        this.failure = undefined;
      } else reader.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.backlog.length) {
      const value = this.backlog.shift()!;
      this.resumePush();
      return Promise.resolve({ value, done: false });
    }
    if (this.isEnded) {
      const failure = this.failure;
      this.failure = undefined;
      return failure ? Promise.reject(failure.error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  /** The reader leaves: drops the backlog, ends a waiting read as done, and resolves once the producer has stopped. */
  async return(): Promise<IteratorResult<T>> {
    this.end({ dropBacklog: true });
    this.backlog.length = 0;
    this.failure = undefined;
    await this.stop();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private resumePush(): void {
    if (!this.full) return;
    clearTimeout(this.full.stall);
    this.full.resume();
    this.full = undefined;
  }

  // Once, whoever asks first; `onStop` runs at once, so a producer's own count is right when `end` returns.
  private stop(): Promise<void> {
    return (this.stopped ??= (async () => {
      try {
        await this.options.onStop?.();
      } catch {
        // The producer's to report, not the reader's.
      }
    })());
  }
}
