import { DomainError, ErrorCode } from '../errors';
import { AsyncQueue } from '../asyncQueue';
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
  let counted = false;
  const stalled = (): DomainError =>
    new DomainError(
      ErrorCode.SERVICE_UNAVAILABLE,
      `This subscription left ${maxQueued} events unread for ${maxStallMs} ms and was ended; subscribe again with \`after\` set to the last cursor received to continue from there.`,
    );
  const queue = new AsyncQueue<T>({
    capacity: maxQueued,
    whenFull: { wait: { stallMs: maxStallMs, stalled: () => ({ error: stalled(), dropBacklog: true }) } },
    // A failure to stop is the bus's to report, not the reader's.
    onStop: () =>
      // `watching` is read a tick later: a replay may end the iterator before `bus.watch` has returned it.
      Promise.resolve()
        .then(() => watching)
        .then((watch) => watch.stop())
        .catch(() => undefined)
        .finally(() => {
          if (counted) liveWatches -= 1;
          counted = false;
        }),
  });

  const watching: Promise<EventSubscription> = bus.watch(watchOptions, async (event) => {
    if (queue.ended) return;
    let value: T | null | undefined;
    try {
      value = select(event);
    } catch (error) {
      return queue.end({ error, dropBacklog: true });
    }
    if (value === null || value === undefined) return;
    await queue.push(value);
  });

  await watching;
  // Not counted when it ended during the replay, before this line.
  if (!queue.ended) {
    counted = true;
    liveWatches += 1;
  }
  return queue;
}
