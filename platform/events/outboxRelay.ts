import { randomUUID } from 'node:crypto';
import type { Database } from '../storage/database';
import type { Logger } from '../logger';
import type { EventBus } from './eventBus';
import type { Outbox } from './outbox';

export interface OutboxRelayOptions {
  db: Database;
  outbox: Outbox;
  bus: EventBus;
  logger: Logger;
  /** Look for unsent rows this often even without a wake-up (rows written by other instances). Default 1000 ms. */
  pollMs?: number;
  /** Rows published per round. Default 100. */
  batchSize?: number;
  /** How long one instance holds the right to publish without renewing it. Default 10 s. */
  leaseMs?: number;
  /** Longest pause between attempts while the bus is failing. Default 5000 ms. */
  maxBackoffMs?: number;
}

export interface OutboxRelay {
  /** Publishes every unsent row now; resolves when none is left (or rejects if the bus fails). Used by tests. */
  drain(): Promise<void>;
  /** Whether it still runs, and whether its last attempt to publish failed (events then wait in the outbox). */
  status(): { running: boolean; failing: boolean };
  stop(): Promise<void>;
}

/**
 * Publishes a subgraph's unsent outbox rows to the bus in log order and marks
 * them sent. Of several instances only the holder of a short lease publishes,
 * so the stream keeps the log's order; no database connection is held while
 * waiting on the broker. When the bus fails, rows stay unsent and the relay
 * retries with growing pauses: events wait in the outbox, none is lost. A row
 * published but not marked (a crash in between) is published again: the bus
 * drops it by event id, and consumers' inboxes absorb what gets through.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, outbox, bus, logger } = options;
  const owner = randomUUID();
  const schema = outbox.schema;
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const leaseMs = options.leaseMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  let running = true;
  let failures = 0;
  let wake: () => void = () => undefined;
  const unsubscribe = outbox.onAppended(() => wake());

  /** Takes or renews the lease; false when another instance holds it. */
  async function holdLease(): Promise<boolean> {
    const rows = await db.query(
      `insert into ${schema}.outbox_lease (name, owner, expires_at) values ('relay', $1, now() + make_interval(secs => $2))
       on conflict (name) do update set owner = excluded.owner, expires_at = excluded.expires_at
       where ${schema}.outbox_lease.owner = excluded.owner or ${schema}.outbox_lease.expires_at < now()
       returning owner`,
      [owner, leaseMs / 1000],
    );
    return rows.length > 0;
  }

  /** Publishes one batch; returns how many rows it sent. */
  async function publishBatch(): Promise<number> {
    if (!(await holdLease())) return 0;
    const events = await outbox.unpublished(db, batchSize);
    for (const { position, ...event } of events) {
      await bus.publish(event);
      await db.query(`update ${schema}.outbox set published_at = now() where position = $1`, [position]);
    }
    return events.length;
  }

  let round: Promise<void> = Promise.resolve();
  /** Publishes until nothing is left; rounds never overlap. */
  function publishAll(): Promise<void> {
    round = round.then(async () => {
      while ((await publishBatch()) === batchSize) {
        // A full batch: more may be waiting.
      }
    });
    return round;
  }

  const loop = (async () => {
    while (running) {
      try {
        await publishAll();
        if (failures > 0) logger.info({ schema }, 'event bus reachable again; outbox relay resumed');
        failures = 0;
      } catch (error) {
        failures += 1;
        // Log the first failure and then every tenth, not every retry of an outage.
        if (failures === 1 || failures % 10 === 0) logger.warn({ err: error, schema, failures }, 'outbox relay could not publish; events wait in the outbox');
        round = Promise.resolve();
      }
      const pause = failures ? Math.min(maxBackoffMs, 100 * 2 ** Math.min(failures, 10)) : pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        wake = () => {
          // While failing, wake-ups do not shorten the back-off.
          if (failures) return;
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();

  return {
    drain: () => publishAll(),
    status: () => ({ running, failing: failures > 0 }),
    stop: async () => {
      running = false;
      unsubscribe();
      failures = 0;
      wake();
      await loop;
      // One last round, so the events of requests that finished while stopping leave now, not at the next start.
      await publishAll().catch((error: unknown) => {
        round = Promise.resolve();
        logger.warn({ err: error, schema }, 'outbox relay stopped with events unpublished; they wait in the outbox for the next start');
      });
      // Hand the lease over at once rather than after it expires.
      await db.query(`delete from ${schema}.outbox_lease where name = 'relay' and owner = $1`, [owner]).catch(() => undefined);
    },
  };
}
