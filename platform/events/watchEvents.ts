import { DomainError, ErrorCode } from '../errors';
import { AsyncQueue } from '../asyncQueue';
import type { DeliveredEvent } from './event';
import type { EventBus, EventSubscription, WatchOptions } from './eventBus';
import { encodeEventCursor } from './eventCursor';

export interface WatchEventsOptions extends WatchOptions {
  /** Values held for a reader at most; while that many wait unread, delivery from the bus waits too. Default 1000. */
  maxQueued?: number;
  /** How long `maxQueued` values may wait without a single read before the iterator ends with SERVICE_UNAVAILABLE, in ms. Default 30 000. */
  maxStallMs?: number;
}

/** The iterator `watchEvents` returns: the values, and the stream position the watch started after. */
export interface EventWatch<T> extends AsyncIterableIterator<T> {
  /**
   * The cursor (`encodeEventCursor`) of the position the watch started
   * after: `after` when given, else the stream's head when the watch began.
   * Resuming with it as `after` misses nothing published since.
   */
  readonly startCursor: string;
}

/** The start cursor of what a `subscribe` resolver returned, when `watchEvents` made it; undefined otherwise. */
export function startCursorOf(stream: unknown): string | undefined {
  const cursor = (stream as Partial<EventWatch<unknown>> | null | undefined)?.startCursor;
  return typeof cursor === 'string' ? cursor : undefined;
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
 * `after` the iterator sees every event published from then on. Without
 * `after` it starts after the stream's head (`bus.head`), read first, so the
 * position it started from is known either way (`startCursor`): a
 * subscriber that loses it before its first event resumes from there
 * (the gateway does, `gateway/subscriptions/upstream.ts`).
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
): Promise<EventWatch<T>> {
  const { maxQueued = 1000, maxStallMs = 30_000, ...watchOptions } = options;
  // Events published between reading the head and the watch going live are replayed: nothing after the head is missed.
  const after = watchOptions.after ?? (await bus.head(watchOptions.domain));
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

  const watching: Promise<EventSubscription> = bus.watch({ ...watchOptions, after }, async (event) => {
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
  return Object.assign(queue, { startCursor: encodeEventCursor(watchOptions.domain, after) });
}
