import path from 'node:path';
import { openTestStorage, testStorageKind, type TestStorage } from '../../tests/support/testStorage';
import { openTestEventBus, testEventBusKind } from '../../tests/support/testEventBus';
import { eventually } from '../../tests/support/eventually';
import { createLogger } from '../logger';
import { systemClock } from '../clock';
import { migrate } from '../storage/migrate';
import type { Database } from '../storage/database';
import type { EventBus } from './eventBus';
import { InMemoryEventBus } from './inMemoryEventBus';
import { Outbox } from './outbox';
import { startOutboxRelay } from './outboxRelay';
import { startConsumer } from './consumer';
import { rebuildFromStream, type StreamReadModel } from './streamReadModel';

const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent');
const cause = { correlationId: 'req-1', causationId: null };

/** The latest level of each gauge, fed by another domain's `GaugeSet` events (`gauges` produces, `panel` consumes). */
const levels: StreamReadModel = {
  name: 'panel.levels',
  domain: 'gauges',
  types: ['GaugeSet'],
  async handle(event, tx) {
    const { level } = event.data as { level: number };
    await tx.query(
      `insert into panel.levels (gauge, level, version) values ($1, $2, $3)
       on conflict (gauge) do update set level = excluded.level, version = excluded.version where panel.levels.version < excluded.version`,
      [event.aggregateId, level, event.aggregateVersion],
    );
  },
  async reset(tx) {
    await tx.query('delete from panel.levels');
  },
};

describe(`read models fed by another domain's stream (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let storage: TestStorage;
  let gauges: Database;
  let panel: Database;
  const outbox = new Outbox('gauges', systemClock);
  beforeAll(async () => {
    storage = await openTestStorage();
    gauges = storage.storage.database('gauges');
    panel = storage.storage.database('panel');
    await migrate(gauges, 'gauges', path.join(__dirname, 'migrations'), { versionPrefix: 'platform_' });
    await migrate(panel, 'panel', path.join(__dirname, 'migrations'), { versionPrefix: 'platform_' });
    await panel.query('create table panel.levels (gauge text primary key, level int not null, version int not null)');
  });
  afterAll(async () => {
    await storage?.dispose();
  });

  async function set(gauge: string, version: number, level: number, type = 'GaugeSet'): Promise<void> {
    await gauges.transaction((tx) => outbox.append(tx, cause, [{ type, data: { level }, aggregateId: gauge, aggregateVersion: version }]));
  }
  const rows = () => panel.query('select gauge, level, version from panel.levels order by gauge');

  it('given a stream, when its read model is corrupted and rebuilt while the consumer runs, then it equals the live rows and counts the events replayed', async () => {
    const { bus, dispose } = await openTestEventBus();
    const relay = startOutboxRelay({ db: gauges, outbox, bus, logger, pollMs: 50 });
    const consumer = await startConsumer({ bus, db: panel, schema: 'panel', definition: levels, logger });
    try {
      await set('a', 1, 10);
      await set('b', 1, 20);
      // A type the read model does not read, last in the stream: the rebuild still knows where the stream ends.
      await set('a', 2, 11);
      await set('c', 1, 0, 'GaugeRemoved');
      await eventually(async () => (await rows()).length === 2 && (await panel.query(`select 1 from panel.levels where level = 11`)).length === 1);
      const live = await rows();
      await panel.query(`update panel.levels set level = -1 where gauge = 'a'`);
      await panel.query(`delete from panel.levels where gauge = 'b'`);
      expect(await rebuildFromStream({ db: panel, bus, schema: 'panel' }, levels)).toBe(3);
      expect(await rows()).toEqual(live);
      // The live consumer goes on after the rebuild.
      await set('b', 2, 21);
      await eventually(async () => (await panel.query(`select 1 from panel.levels where gauge = 'b' and level = 21`)).length === 1, 'the consumer to go on');
    } finally {
      await consumer.stop();
      await relay.stop();
      await dispose();
    }
  });

  it('given an in-process bus that starts empty (a restart), when the relay starts, then it publishes the whole log again in order, once', async () => {
    const before = await outbox.read(gauges, 0, 1000);
    expect(before.length).toBeGreaterThan(0);
    const restarted: EventBus = new InMemoryEventBus();
    expect(restarted.durable).toBe(false);
    const relay = startOutboxRelay({ db: gauges, outbox, bus: restarted, logger, pollMs: 50 });
    try {
      await relay.drain();
      expect(await restarted.head('gauges')).toBe(before.length);
      // A second round publishes nothing more: the bus drops ids it holds, and the relay has moved on to unsent rows.
      await relay.drain();
      expect(await restarted.head('gauges')).toBe(before.length);
      const seen: string[] = [];
      const watch = await restarted.watch({ domain: 'gauges', after: 0 }, (event) => void seen.push(event.eventId));
      await eventually(() => seen.length === before.length);
      await watch.stop();
      expect(seen).toEqual(before.map((event) => event.eventId));
      // So a read model fed by it can be rebuilt on this bus as well.
      await panel.query('delete from panel.levels');
      expect(await rebuildFromStream({ db: panel, bus: restarted, schema: 'panel' }, levels)).toBe(before.filter((e) => e.type === 'GaugeSet').length);
      expect(await rows()).toEqual([
        { gauge: 'a', level: 11, version: 2 },
        { gauge: 'b', level: 21, version: 2 },
      ]);
    } finally {
      await relay.stop();
      await restarted.close();
    }
  });

  it('given an empty stream, then a rebuild empties the read model and replays nothing', async () => {
    const bus = new InMemoryEventBus();
    try {
      expect(await bus.head('gauges')).toBe(0);
      expect(await rebuildFromStream({ db: panel, bus, schema: 'panel' }, levels)).toBe(0);
      expect(await rows()).toEqual([]);
    } finally {
      await bus.close();
    }
  });
});
