import { randomBytes, randomUUID } from 'node:crypto';
import type { DeliveredEvent, DomainEvent } from './event';
import type { EventBus } from './eventBus';
import { InMemoryEventBus } from './inMemoryEventBus';
import { NatsEventBus } from './natsEventBus';

/**
 * One contract, every adapter: the in-memory bus always, NATS JetStream when
 * the test runner asks for it (TEST_EVENT_BUS=nats with NATS_URL; under a
 * prefix unique to this run, deleted afterwards).
 */
const adapters: Array<[string, () => Promise<EventBus & { dispose?: () => Promise<void> }>]> = [
  ['in-memory', async () => new InMemoryEventBus({ retryDelayMs: 20 })],
];
if (process.env.TEST_EVENT_BUS === 'nats' && process.env.NATS_URL) {
  adapters.push([
    'NATS JetStream',
    async () => {
      const bus = await NatsEventBus.connect({ servers: process.env.NATS_URL!, prefix: `t${randomBytes(5).toString('hex')}`, retryDelayMs: 50 });
      return Object.assign(bus, { dispose: () => bus.deleteStreams() });
    },
  ]);
}

function event(domain: string, type: string, aggregateId: string, data: unknown = {}): DomainEvent {
  return {
    eventId: randomUUID(),
    domain,
    type,
    aggregateId,
    aggregateVersion: 1,
    occurredAt: new Date().toISOString(),
    correlationId: 'test',
    causationId: null,
    data,
  };
}

/**
 * Collects delivered events until `count` have arrived, or until the event
 * `until` has: a marker published after the events under test, so whatever
 * else the bus delivers (a repeat, an extra) arrives before it (or fails after 10 s).
 */
function collector(until: number | DomainEvent) {
  const events: DeliveredEvent[] = [];
  let done: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const timeout = setTimeout(() => done(), 10_000);
  return {
    events,
    handler: async (e: DeliveredEvent) => {
      events.push(e);
      if (typeof until === 'number' ? events.length >= until : e.eventId === until.eventId) {
        clearTimeout(timeout);
        done();
      }
    },
    finished,
  };
}

describe.each(adapters)('event bus contract: %s', (_name, open) => {
  let bus: EventBus & { dispose?: () => Promise<void> };
  beforeEach(async () => {
    bus = await open();
  });
  afterEach(async () => {
    await bus.dispose?.();
    await bus.close();
  });

  it('delivers a domain’s events in order, numbered by stream position', async () => {
    const published = [event('orders', 'OrderPlaced', 'a'), event('orders', 'OrderConfirmed', 'a'), event('orders', 'OrderPlaced', 'b')];
    for (const e of published) await bus.publish(e);
    await bus.publish(event('reviews', 'ReviewAdded', 'r'));
    const c = collector(3);
    const sub = await bus.subscribe({ consumer: 'c1', domain: 'orders' }, c.handler);
    await c.finished;
    await sub.stop();
    expect(c.events.map((e) => [e.eventId, e.sequence])).toEqual(published.map((e, i) => [e.eventId, i + 1]));
    expect(c.events[0]).toMatchObject({ type: 'OrderPlaced', aggregateId: 'a', domain: 'orders', correlationId: 'test' });
  });

  it('delivers only the types asked for', async () => {
    await bus.publish(event('inventory', 'StockReserved', 'x'));
    await bus.publish(event('inventory', 'StockRestocked', 'y'));
    await bus.publish(event('inventory', 'StockReleased', 'z'));
    const c = collector(2);
    const sub = await bus.subscribe({ consumer: 'filtered', domain: 'inventory', types: ['StockReserved', 'StockReleased'] }, c.handler);
    await c.finished;
    await sub.stop();
    expect(c.events.map((e) => e.type)).toEqual(['StockReserved', 'StockReleased']);
  });

  it('delivers an event again when its handler throws, before any later event', async () => {
    const first = event('orders', 'OrderPlaced', 'a');
    const second = event('orders', 'OrderPlaced', 'b');
    await bus.publish(first);
    await bus.publish(second);
    const seen: string[] = [];
    let failures = 0;
    const c = collector(2);
    const sub = await bus.subscribe({ consumer: 'flaky', domain: 'orders' }, async (e) => {
      seen.push(e.aggregateId);
      if (e.aggregateId === 'a' && failures < 2) {
        failures += 1;
        throw new Error('not yet');
      }
      await c.handler(e);
    });
    await c.finished;
    await sub.stop();
    expect(seen).toEqual(['a', 'a', 'a', 'b']);
  });

  it('resumes a durable consumer after the last event it acknowledged', async () => {
    await bus.publish(event('orders', 'OrderPlaced', '1'));
    await bus.publish(event('orders', 'OrderPlaced', '2'));
    const c1 = collector(2);
    const sub1 = await bus.subscribe({ consumer: 'durable', domain: 'orders' }, c1.handler);
    await c1.finished;
    await sub1.stop();
    await bus.publish(event('orders', 'OrderPlaced', '3'));
    const marker = event('orders', 'OrderPlaced', 'marker');
    await bus.publish(marker);
    const c2 = collector(marker);
    const sub2 = await bus.subscribe({ consumer: 'durable', domain: 'orders' }, c2.handler);
    await c2.finished;
    await sub2.stop();
    // Up to the marker, only event 3: events 1 and 2 were acknowledged before.
    expect(c2.events.map((e) => e.aggregateId)).toEqual(['3', 'marker']);
  });

  it('replays from a stored position', async () => {
    for (const id of ['1', '2', '3', '4']) await bus.publish(event('orders', 'OrderPlaced', id));
    const first = collector(4);
    const sub1 = await bus.subscribe({ consumer: 'replayer', domain: 'orders' }, first.handler);
    await first.finished;
    await sub1.stop();
    const again = collector(2);
    const sub2 = await bus.subscribe({ consumer: 'replayer', domain: 'orders', from: { sequence: 3 } }, again.handler);
    await again.finished;
    await sub2.stop();
    expect(again.events.map((e) => [e.aggregateId, e.sequence])).toEqual([
      ['3', 3],
      ['4', 4],
    ]);
  });

  it('stores an event published twice once', async () => {
    const e = event('products', 'ProductCreated', 'p');
    await bus.publish(e);
    await bus.publish(e);
    // Published after the copy, so a stored copy would be delivered before it.
    const later = event('products', 'ProductCreated', 'q');
    await bus.publish(later);
    const c = collector(later);
    const sub = await bus.subscribe({ consumer: 'dedupe', domain: 'products' }, c.handler);
    await c.finished;
    await sub.stop();
    expect(c.events.map((x) => x.aggregateId)).toEqual(['p', 'q']);
  });

  it('gives every consumer every event', async () => {
    await bus.publish(event('accounts', 'UserSignedUp', 'u'));
    const a = collector(1);
    const b = collector(1);
    const subA = await bus.subscribe({ consumer: 'a', domain: 'accounts' }, a.handler);
    const subB = await bus.subscribe({ consumer: 'b', domain: 'accounts' }, b.handler);
    await Promise.all([a.finished, b.finished]);
    await Promise.all([subA.stop(), subB.stop()]);
    expect([a.events.length, b.events.length]).toEqual([1, 1]);
  });

  it('lets a watcher follow only what is published from now on, in order', async () => {
    await bus.publish(event('reviews', 'ReviewAdded', 'old'));
    const c = collector(2);
    // `watch` resolves once the watch is live: an event published right after it is seen.
    const watcher = await bus.watch({ domain: 'reviews', types: ['ReviewAdded'] }, c.handler);
    await bus.publish(event('reviews', 'ReviewAdded', 'new-1'));
    await bus.publish(event('reviews', 'ReviewRemoved', 'other-type'));
    await bus.publish(event('reviews', 'ReviewAdded', 'new-2'));
    await c.finished;
    await watcher.stop();
    expect(c.events.map((e) => e.aggregateId)).toEqual(['new-1', 'new-2']);
    expect(c.events[1]!.sequence).toBe(4);
  });

  it('lets a watcher resume after a sequence it saw, missing nothing and repeating nothing', async () => {
    for (const id of ['1', '2', '3']) await bus.publish(event('inventory', 'StockRestocked', id));
    const marker = event('inventory', 'StockRestocked', 'marker');
    const c = collector(marker);
    const watcher = await bus.watch({ domain: 'inventory', after: 1 }, c.handler);
    await bus.publish(event('inventory', 'StockRestocked', '4'));
    await bus.publish(marker);
    await c.finished;
    await watcher.stop();
    expect(c.events.map((e) => [e.aggregateId, e.sequence])).toEqual([
      ['2', 2],
      ['3', 3],
      ['4', 4],
      ['marker', 5],
    ]);
  });

  it('gives every watcher every event, beside durable consumers', async () => {
    const a = collector(1);
    const b = collector(1);
    const d = collector(1);
    const watchers = [await bus.watch({ domain: 'orders' }, a.handler), await bus.watch({ domain: 'orders' }, b.handler)];
    const durable = await bus.subscribe({ consumer: 'durable-beside', domain: 'orders' }, d.handler);
    // The watches are live once `watch` has resolved; the durable consumer reads from the start anyway.
    await bus.publish(event('orders', 'OrderPlaced', 'x'));
    await Promise.all([a.finished, b.finished, d.finished]);
    await Promise.all([...watchers.map((w) => w.stop()), durable.stop()]);
    expect([a.events.length, b.events.length, d.events.length]).toEqual([1, 1, 1]);
  });
});
