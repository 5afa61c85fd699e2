import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode } from '../errors';
import type { DomainEvent } from './event';
import { InMemoryEventBus } from './inMemoryEventBus';
import { liveWatchCount, startCursorOf, watchEvents } from './watchEvents';
import { encodeEventCursor } from './eventCursor';
import { eventually } from '../../tests/support/eventually';

/** A `Tick` (or `type`) event of the `clock` domain carrying `n`. */
function tick(n: number, type = 'Tick'): DomainEvent {
  return {
    eventId: randomUUID(),
    domain: 'clock',
    type,
    aggregateId: 'clock',
    aggregateVersion: n,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    correlationId: 'test',
    causationId: null,
    data: { n },
  };
}

const nOf = (event: { data: unknown }) => (event.data as { n: number }).n;

/** Reads `count` values, failing after a second rather than hanging the suite. */
async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  while (values.length < count) {
    const step = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${values.length} of ${count} values arrived`)), 1000).unref()),
    ]);
    if (step.done) break;
    values.push(step.value);
  }
  return values;
}

describe('watchEvents (on the in-memory bus)', () => {
  let bus: InMemoryEventBus;
  beforeEach(() => {
    bus = new InMemoryEventBus();
  });
  afterEach(() => bus.close());

  it('given a live watch, then it yields what select makes of each later event, in order, skipping nulls and other types', async () => {
    await bus.publish(tick(1));
    const events = await watchEvents(bus, { domain: 'clock', types: ['Tick'] }, (event) => (nOf(event) % 2 ? `${nOf(event)}@${event.sequence}` : null));
    for (const n of [2, 3, 4, 5]) await bus.publish(tick(n));
    await bus.publish(tick(6, 'Tock'));
    await bus.publish(tick(7));
    expect(await take(events, 3)).toEqual(['3@3', '5@5', '7@7']);
    await events.return!();
  });

  it('given `after`, then it replays exactly the events after that sequence and continues live', async () => {
    for (const n of [1, 2, 3, 4]) await bus.publish(tick(n));
    const events = await watchEvents(bus, { domain: 'clock', after: 2 }, nOf);
    await bus.publish(tick(5));
    expect(await take(events, 3)).toEqual([3, 4, 5]);
    await events.return!();
  });

  it('given no `after`, then it starts after the head, names it as its start cursor, and a watch from that cursor misses nothing', async () => {
    for (const n of [1, 2]) await bus.publish(tick(n));
    const live = await watchEvents(bus, { domain: 'clock' }, nOf);
    expect(live.startCursor).toBe(encodeEventCursor('clock', 2));
    expect(startCursorOf(live)).toBe(live.startCursor);
    await bus.publish(tick(3));
    await live.return!();
    // Resumed from the start cursor after it was lost: event 3 again, then live.
    const resumed = await watchEvents(bus, { domain: 'clock', after: 2 }, nOf);
    expect(resumed.startCursor).toBe(encodeEventCursor('clock', 2));
    await bus.publish(tick(4));
    expect(await take(resumed, 2)).toEqual([3, 4]);
    await resumed.return!();
    // On an empty stream the start is the position before the first event.
    const empty = await watchEvents(bus, { domain: 'empty' }, nOf);
    expect(empty.startCursor).toBe(encodeEventCursor('empty', 0));
    await empty.return!();
    expect(startCursorOf({ [Symbol.asyncIterator]: () => undefined })).toBeUndefined();
  });

  it('counts itself as live until return(), which stops the watch and ends a waiting read', async () => {
    const before = liveWatchCount();
    const events = await watchEvents(bus, { domain: 'clock' }, nOf);
    expect(liveWatchCount()).toBe(before + 1);
    const waiting = events.next();
    await events.return!();
    expect(liveWatchCount()).toBe(before);
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    // Nothing more arrives, and a second return() is harmless.
    await bus.publish(tick(1));
    await expect(events.next()).resolves.toEqual({ value: undefined, done: true });
    await events.return!();
    expect(liveWatchCount()).toBe(before);
  });

  it('given a full queue, then delivery waits for the reader, so a long replay goes at its pace and misses nothing', async () => {
    for (let n = 1; n <= 50; n += 1) await bus.publish(tick(n));
    const events = await watchEvents(bus, { domain: 'clock', after: 0, maxQueued: 5 }, nOf);
    const values = await take(events, 50);
    expect(values).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await events.return!();
  });

  it('given a reader that leaves a full queue unread past maxStallMs, then the watch stops and the next read fails with SERVICE_UNAVAILABLE', async () => {
    const before = liveWatchCount();
    const events = await watchEvents(bus, { domain: 'clock', maxQueued: 3, maxStallMs: 50 }, nOf);
    for (let n = 1; n <= 10; n += 1) await bus.publish(tick(n));
    await eventually(() => liveWatchCount() === before, 'the stalled watch to stop', 2000);
    const failure = await events.next().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DomainError);
    expect(failure).toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE });
    expect((failure as Error).message).toContain('`after`');
    // The queued values were dropped with it: the client resumes from its last cursor.
    await expect(events.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('given a select that throws, then the iterator ends with that error and stops watching', async () => {
    const before = liveWatchCount();
    const events = await watchEvents(bus, { domain: 'clock' }, (event) => {
      if (nOf(event) === 2) throw new Error('cannot map 2');
      return nOf(event);
    });
    const first = events.next();
    const second = events.next();
    await bus.publish(tick(1));
    await bus.publish(tick(2));
    await expect(first).resolves.toEqual({ value: 1, done: false });
    await expect(second).rejects.toThrow('cannot map 2');
    await eventually(() => liveWatchCount() === before, 'the failed watch to stop', 2000);
  });

  it('given a select that throws during the replay, then the watch is never counted and the first read fails', async () => {
    const before = liveWatchCount();
    await bus.publish(tick(1));
    const events = await watchEvents(bus, { domain: 'clock', after: 0 }, () => {
      throw new Error('bad event');
    });
    await expect(events.next()).rejects.toThrow('bad event');
    await eventually(() => liveWatchCount() === before, 'the failed watch to stop', 2000);
  });

  it('given a closed bus, then it rejects instead of returning an iterator', async () => {
    await bus.close();
    await expect(watchEvents(bus, { domain: 'clock' }, nOf)).rejects.toThrow('closed');
  });
});
