import { randomBytes, randomUUID } from 'node:crypto';
import { openTestStorage, testStorageKind, type TestStorage } from '../../tests/support/testStorage';
import { testEventBusKind } from '../../tests/support/testEventBus';
import { startTcpProxy } from '../../tests/support/tcpProxy';
import { createLogger } from '../logger';
import { systemClock } from '../clock';
import { migrate } from '../storage/migrate';
import type { Database } from '../storage/database';
import type { DeliveredEvent } from './event';
import type { EventBus } from './eventBus';
import { InMemoryEventBus } from './inMemoryEventBus';
import { NatsEventBus } from './natsEventBus';
import { Outbox } from './outbox';
import { startOutboxRelay } from './outboxRelay';
import { catchUp, rebuildProjection, type Projection } from './projection';
import { startConsumer } from './consumer';
import path from 'node:path';
import { eventually } from '../../tests/support/eventually';

const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
const cause = { correlationId: 'req-1', causationId: null };

describe(`outbox, relay, inbox and projections (${testStorageKind()})`, () => {
  let storage: TestStorage;
  let db: Database;
  let outbox: Outbox;
  beforeAll(async () => {
    storage = await openTestStorage();
    db = storage.storage.database('shop');
    await migrate(db, 'shop', path.join(__dirname, 'migrations'), { versionPrefix: 'platform_' });
    await db.query('create table shop.totals (aggregate_id text primary key, n int not null)');
    outbox = new Outbox('shop', systemClock);
  });
  afterAll(async () => {
    await storage?.dispose();
  });

  async function append(aggregateId: string, count = 1): Promise<void> {
    await db.transaction((tx) =>
      outbox.append(
        tx,
        cause,
        Array.from({ length: count }, (_, i) => ({ type: 'ThingHappened', data: { i }, aggregateId, aggregateVersion: i + 1 })),
      ),
    );
  }

  it('records events only when their transaction commits', async () => {
    await expect(
      db.transaction(async (tx) => {
        await outbox.append(tx, cause, [{ type: 'ThingHappened', data: {}, aggregateId: 'ghost', aggregateVersion: 1 }]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await append('real');
    const logged = await outbox.read(db, 0, 100);
    expect(logged.map((e) => e.aggregateId)).toEqual(['real']);
    expect(logged[0]).toMatchObject({ domain: 'shop', type: 'ThingHappened', correlationId: 'req-1', causationId: null, aggregateVersion: 1 });
  });

  it('publishes unsent events in log order, once, with two relays running', async () => {
    const bus = new InMemoryEventBus();
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => append(id, 25)));
    const received: DeliveredEvent[] = [];
    const subscription = await bus.subscribe({ consumer: 'watch', domain: 'shop' }, async (event) => {
      received.push(event);
    });
    const relays = [startOutboxRelay({ db, outbox, bus, logger }), startOutboxRelay({ db, outbox, bus, logger })];
    const logged = await outbox.read(db, 0, 1000);
    await eventually(() => received.length === logged.length, 'every logged event received');
    await Promise.all(relays.map((relay) => relay.stop()));
    await subscription.stop();
    await bus.close();
    expect(received.map((e) => e.eventId)).toEqual(logged.map((e) => e.eventId));
    expect(await outbox.unpublished(db, 10)).toEqual([]);
  });

  it('asks for its lease once per half lease, not per event, and a second relay waits until it lapses', async () => {
    const bus = new InMemoryEventBus();
    const received: DeliveredEvent[] = [];
    const subscription = await bus.subscribe({ consumer: 'lease-watch', domain: 'shop' }, async (event) => {
      received.push(event);
    });
    // Counts the lease statements each relay sends.
    const counting = (counter: { lease: number }): Database => ({
      query: (text, params) => {
        if (text.includes('outbox_lease') && text.startsWith('insert')) counter.lease += 1;
        return db.query(text, params);
      },
      transaction: (work) => db.transaction(work),
    });
    const first = { lease: 0 };
    const leaseMs = 1500;
    const relay = startOutboxRelay({ db: counting(first), outbox, bus, logger, leaseMs, pollMs: 50 });
    // On this bus (no history) it first publishes the whole log again.
    const logged = (await outbox.read(db, 0, 1000)).length;
    await eventually(() => received.length >= logged, 'the log published');
    const leaseAsked = first.lease;
    for (let i = 0; i < 5; i += 1) {
      await append(`lease-${i}`);
      await eventually(() => received.some((e) => e.aggregateId === `lease-${i}`), `event ${i} received`);
    }
    // Five events published within half the lease cost no lease statement (the polls in between none either).
    expect(first.lease - leaseAsked).toBeLessThanOrEqual(1);

    // A second relay is refused while the first keeps renewing at half its lease.
    const second = { lease: 0 };
    const other = startOutboxRelay({ db: counting(second), outbox, bus, logger, leaseMs, pollMs: 50 });
    await eventually(() => second.lease >= 3 && first.lease - leaseAsked >= 2, 'both asked again (the first renewing)', 10_000);
    const [lease] = await db.query<{ owner: string }>(`select owner from shop.outbox_lease where name = 'relay'`);
    await append('still-first');
    await eventually(() => received.some((e) => e.aggregateId === 'still-first'), 'published by the holder');
    expect((await db.query<{ owner: string }>(`select owner from shop.outbox_lease where name = 'relay'`))[0]!.owner).toBe(lease!.owner);

    // Stopped, the first hands the lease over: the second publishes.
    await relay.stop();
    await append('by-second');
    await eventually(() => received.some((e) => e.aggregateId === 'by-second'), 'published by the second relay');
    expect((await db.query<{ owner: string }>(`select owner from shop.outbox_lease where name = 'relay'`))[0]!.owner).not.toBe(lease!.owner);
    await other.stop();
    await subscription.stop();
    await bus.close();
  });

  it('applies a redelivered event once (inbox)', async () => {
    const bus = new InMemoryEventBus({ retryDelayMs: 10 });
    const event = {
      eventId: '5b1f5a6e-8f3c-4d57-9a51-2f3e4a5b6c7d',
      domain: 'other',
      type: 'Counted',
      aggregateId: 'x',
      aggregateVersion: 1,
      occurredAt: new Date().toISOString(),
      correlationId: 'c',
      causationId: null,
      data: {},
    };
    const handled: string[] = [];
    const subscription = await startConsumer({
      bus,
      db,
      schema: 'shop',
      logger,
      definition: {
        name: 'shop.counter',
        domain: 'other',
        types: ['Counted'],
        handle: async (e, tx) => {
          handled.push(e.aggregateId);
          await tx.query(`insert into shop.totals (aggregate_id, n) values ($1, 1) on conflict (aggregate_id) do update set n = shop.totals.n + 1`, [
            e.aggregateId,
          ]);
        },
      },
    });
    await bus.publish(event);
    // A second copy under a new bus id, as after a relay crash before marking the row sent.
    await bus.publish({ ...event, eventId: event.eventId.toUpperCase() });
    // A later event on the same stream: the consumer reads in order, so once it is handled the copy has been dealt with.
    await bus.publish({ ...event, eventId: randomUUID(), aggregateId: 'marker' });
    await eventually(async () => (await db.query<{ n: number }>(`select n from shop.totals where aggregate_id = 'marker'`))[0]?.n === 1, 'the marker handled');
    await subscription.stop();
    await bus.close();
    expect(handled).toEqual(['x', 'marker']);
    expect((await db.query<{ n: number }>(`select n from shop.totals where aggregate_id = 'x'`))[0]?.n).toBe(1);
  });

  it('keeps a projection by checkpoint and rebuilds it to identical rows', async () => {
    const projection: Projection = {
      name: 'perAggregate',
      types: ['ThingHappened'],
      apply: async (event, tx) => {
        await tx.query(`insert into shop.totals (aggregate_id, n) values ($1, 1) on conflict (aggregate_id) do update set n = shop.totals.n + 1`, [
          `p:${event.aggregateId}`,
        ]);
      },
      reset: async (tx) => {
        await tx.query(`delete from shop.totals where aggregate_id like 'p:%'`);
      },
    };
    // Two catch-ups at once: the checkpoint lock makes them take turns, so nothing counts twice.
    await Promise.all([catchUp(db, outbox, projection), catchUp(db, outbox, projection)]);
    await append('late', 3);
    await catchUp(db, outbox, projection);
    const live = await db.query(`select * from shop.totals where aggregate_id like 'p:%' order by aggregate_id`);
    const expected = await db.query(`select 'p:' || aggregate_id as aggregate_id, count(*)::int as n from shop.outbox group by aggregate_id order by 1`);
    expect(live).toEqual(expected);
    await rebuildProjection(db, outbox, projection);
    expect(await db.query(`select * from shop.totals where aggregate_id like 'p:%' order by aggregate_id`)).toEqual(live);
  });

  const natsOnly = testEventBusKind() === 'nats' ? it : it.skip;
  natsOnly(
    'keeps events in the outbox while the broker is unreachable and publishes them, in order, when it is back',
    async () => {
      const target = new URL(process.env.NATS_URL!.split(',')[0]!);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 4222) });
      const prefix = `t${randomBytes(5).toString('hex')}`;
      const bus: EventBus = await NatsEventBus.connect({ servers: `nats://127.0.0.1:${proxy.port}`, prefix, publishTimeoutMs: 500 });
      const observer = await NatsEventBus.connect({ servers: process.env.NATS_URL!, prefix });
      const relay = startOutboxRelay({ db, outbox, bus, logger, pollMs: 100, maxBackoffMs: 300 });
      try {
        await append('before-outage', 3);
        await eventually(async () => (await outbox.unpublished(db, 1)).length === 0);
        await proxy.cut();
        await append('during-outage', 5);
        // Nothing else is unsent, so a failing relay has tried these rows and the broker refused them.
        await eventually(() => relay.status().failing, 'the relay to fail to publish');
        expect((await outbox.unpublished(db, 100)).map((e) => e.aggregateId)).toEqual(Array(5).fill('during-outage'));
        await proxy.restore();
        await eventually(async () => (await outbox.unpublished(db, 1)).length === 0, 'the broker to get everything', 20_000);
        const seen: DeliveredEvent[] = [];
        const sub = await observer.subscribe({ consumer: 'observer', domain: 'shop' }, async (e) => {
          seen.push(e);
        });
        // Earlier tests' events went to other buses; this bus has seen what this test appended, and every row unsent before it.
        const ours = (await outbox.read(db, 0, 10_000)).filter((e) => e.aggregateId.endsWith('-outage'));
        const fromThisTest = () => seen.filter((e) => e.aggregateId.endsWith('-outage'));
        // A marker appended last: the relay publishes in log order and the observer reads in stream order, so a repeat would come before it.
        await append('marker');
        await eventually(() => seen.some((e) => e.aggregateId === 'marker'), 'the marker to reach the observer', 20_000);
        await sub.stop();
        expect(fromThisTest().map((e) => e.eventId)).toEqual(ours.map((e) => e.eventId));
        expect(ours.map((e) => e.aggregateId)).toEqual([...Array(3).fill('before-outage'), ...Array(5).fill('during-outage')]);
      } finally {
        // Reachable again before closing, or a failure above would leave the bus draining forever.
        await proxy.restore().catch(() => undefined);
        await relay.stop();
        await bus.close();
        await observer.deleteStreams();
        await observer.close();
        await proxy.close();
      }
    },
    60_000,
  );
});
