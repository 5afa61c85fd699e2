import { DomainError, ErrorCode } from '../errors';
import type { DeliveredEvent } from './event';
import type { EventBus, EventSubscription, WatchOptions } from './eventBus';

export interface WatchEventsOptions extends WatchOptions {
  /** Values held for a reader at most; while that many wait unread, delivery from the bus waits too. Default 1000. */
  maxQueued?: number;
  /** How long `maxQueued` values may wait without a single read before the iterator ends with SERVICE_UNAVAILABLE, in ms. Default 30 000. */
  maxStallMs?: number;
}

/** Watches open in this process, across every bus: a gauge for metrics and tests. */
let liveWatches = 0;

/** How many `watchEvents` iterators are watching their bus right now (live, and not yet stopped). */
export function liveWatchCount(): number {
  return liveWatches;
}

/**
 * Follows `bus.watch(options)` as an async iterator, which is what a GraphQL
 * `subscribe` resolver returns. `select` turns each event into the value to
 * yield, or null to skip it. Resolves once the watch is live, so without
 * `after` the iterator sees every event published from then on.
 *
 * The queue is bounded: when `maxQueued` values wait unread, the bus's
 * delivery waits for the reader, so a replay from an old cursor or a burst
 * goes at the reader's pace instead of piling up. A reader that leaves a full
 * queue unread for `maxStallMs` is taken to be gone: the iterator drops the
 * queue, stops the watch and fails its next read, so the client resumes from
 * the last cursor it did receive, with no gap. A `select` that throws ends it
 * the same way with its error.
 *
 * `return()` (a client unsubscribing) stops the watch and resolves once it
 * has stopped; a read waiting meanwhile ends as done.
 */
export async function watchEvents<T>(
  bus: EventBus,
  options: WatchEventsOptions,
  select: (event: DeliveredEvent) => T | null | undefined,
): Promise<AsyncIterableIterator<T>> {
  const { maxQueued = 1000, maxStallMs = 30_000, ...watchOptions } = options;
  const queue: T[] = [];
  // Reads waiting for a value, oldest first (for-await reads one at a time, other readers may not).
  const readers: Array<{ resolve(step: IteratorResult<T>): void; reject(error: unknown): void }> = [];
  // The bus's delivery, waiting for room in a full queue.
  let full: { resume(): void; stall: NodeJS.Timeout } | undefined;
  let ended = false;
  // An error for the next read; delivered once, then reads are done.
  let failure: unknown;
  let stopped: Promise<void> | undefined;
  let counted = false;

  const resumeDelivery = (): void => {
    if (!full) return;
    clearTimeout(full.stall);
    full.resume();
    full = undefined;
  };

  const watching: Promise<EventSubscription> = bus.watch(watchOptions, async (event) => {
    if (ended) return;
    let value: T | null | undefined;
    try {
      value = select(event);
    } catch (error) {
      return end(error);
    }
    if (value === null || value === undefined) return;
    const waiting = readers.shift();
    if (waiting) return waiting.resolve({ value, done: false });
    queue.push(value);
    if (queue.length < maxQueued) return;
    await new Promise<void>((resume) => {
      const stall = setTimeout(
        () =>
          end(
            new DomainError(
              ErrorCode.SERVICE_UNAVAILABLE,
              `This subscription left ${maxQueued} events unread for ${maxStallMs} ms and was ended; subscribe again with \`after\` set to the last cursor received to continue from there.`,
            ),
          ),
        maxStallMs,
      );
      // A stalled reader must not keep the process alive.
      stall.unref();
      full = { resume, stall };
    });
  });

  // Once, whoever asks first. A failure to stop is the bus's to report, not the reader's.
  function stop(): Promise<void> {
    // `watching` is read a tick later: a replay may end the iterator before `bus.watch` has returned it.
    return (stopped ??= Promise.resolve()
      .then(() => watching)
      .then((watch) => watch.stop())
      .catch(() => undefined)
      .finally(() => {
        if (counted) liveWatches -= 1;
        counted = false;
      }));
  }

  function end(error?: unknown): void {
    if (ended) return;
    ended = true;
    queue.length = 0;
    // Lets a delivery waiting for room finish, or stopping would wait for it forever.
    resumeDelivery();
    void stop();
    if (!readers.length) failure = error;
    // The first waiting read gets the error, any others the end.
    for (const [index, waiting] of readers.splice(0).entries()) {
      if (index === 0 && error !== undefined) waiting.reject(error);
      else waiting.resolve({ value: undefined, done: true });
    }
  }

  await watching;
  // Not counted when it ended during the replay, before this line.
  if (!stopped) {
    counted = true;
    liveWatches += 1;
  }

  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      if (queue.length) {
        const value = queue.shift()!;
        resumeDelivery();
        return Promise.resolve({ value, done: false });
      }
      if (ended) {
        const error = failure;
        failure = undefined;
        return error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
      }
      return new Promise((resolve, reject) => {
        readers.push({ resolve, reject });
      });
    },
    return: async () => {
      end();
      failure = undefined;
      await stop();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
