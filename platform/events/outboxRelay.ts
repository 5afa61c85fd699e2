import { randomUUID } from 'node:crypto';
import type { Database } from '../storage/database';
import type { Logger } from '../logger';
import type { EventBus } from './eventBus';
import type { Outbox } from './outbox';
import { startPollLoop } from './pollLoop';

export interface OutboxRelayOptions {
  db: Database;
  outbox: Outbox;
  bus: EventBus;
  logger: Logger;
  /** Look for unsent rows this often even without a wake-up (rows written by other instances). Default 1000 ms. */
  pollMs?: number;
  /** Rows published per round. Default 100. */
  batchSize?: number;
  /**
   * How long one instance holds the right to publish without renewing it. Default 10 s. The holder renews it once half
   * of it has passed (at the next round), not on every round: an event's publish costs no lease query.
   */
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
 * drops it by event id, and consumers' inboxes absorb what gets through. On
 * a bus that keeps no history across restarts (`durable` false: the
 * in-process bus) it first publishes the whole log again, in order, so the
 * stream holds the domain's history and read models fed from it can be
 * rebuilt (`rebuildFromStream`).
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, outbox, bus, logger } = options;
  const owner = randomUUID();
  const schema = outbox.schema;
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  const leaseMs = options.leaseMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;

  // Until when (performance.now()) this instance may publish without asking the database again: half the lease after a
  // successful renewal, so the lease is renewed while rounds keep coming and still has half its term left at the latest
  // publish this belief allows. A round that finds it past asks again; one told no publishes nothing.
  let heldUntil = 0;

  /** Takes or renews the lease; false when another instance holds it. Asks the database at most once per half lease. */
  async function holdLease(): Promise<boolean> {
    const asked = performance.now();
    if (asked < heldUntil) return true;
    const rows = await db.query(
      `insert into ${schema}.outbox_lease (name, owner, expires_at) values ('relay', $1, now() + make_interval(secs => $2))
       on conflict (name) do update set owner = excluded.owner, expires_at = excluded.expires_at
       where ${schema}.outbox_lease.owner = excluded.owner or ${schema}.outbox_lease.expires_at < now()
       returning owner`,
      [owner, leaseMs / 1000],
    );
    heldUntil = rows.length > 0 ? asked + leaseMs / 2 : 0;
    return rows.length > 0;
  }

  // Where the republishing of the whole log has got to; undefined once done (or when the bus keeps its streams).
  let republishedTo: number | undefined = bus.durable ? undefined : 0;

  /** Publishes one batch; returns how many rows it sent. */
  async function publishBatch(): Promise<number> {
    if (!(await holdLease())) return 0;
    // A bus without history gets the whole log first, in order (its ids make the copies it already holds no-ops).
    const events = republishedTo === undefined ? await outbox.unpublished(db, batchSize) : await outbox.read(db, republishedTo, batchSize);
    // Marked sent in one statement after the batch (or after the part of it that went out, when the bus failed), so a
    // lone event's publish waits for no update; one published but not marked is published again, and dropped by its id.
    const sent: number[] = [];
    let failure: { error: unknown } | undefined;
    for (const { position, ...event } of events) {
      try {
        await bus.publish(event);
      } catch (error) {
        failure = { error };
        break;
      }
      sent.push(position);
      if (republishedTo !== undefined) republishedTo = position;
    }
    if (sent.length) await db.query(`update ${schema}.outbox set published_at = now() where position = any($1::bigint[]) and published_at is null`, [sent]);
    if (failure) throw failure.error;
    if (republishedTo !== undefined && events.length < batchSize) republishedTo = undefined;
    return events.length;
  }

  /** Publishes until nothing is left. */
  async function publishAll(): Promise<void> {
    while ((await publishBatch()) === batchSize) {
      // A full batch: more may be waiting.
    }
  }

  const loop = startPollLoop({
    round: publishAll,
    pollMs,
    maxBackoffMs,
    // Log the first failure and then every tenth, not every retry of an outage.
    onFailure: (error, failures) => {
      if (failures === 1 || failures % 10 === 0) logger.warn({ err: error, schema, failures }, 'outbox relay could not publish; events wait in the outbox');
    },
    onRecovery: () => logger.info({ schema }, 'event bus reachable again; outbox relay resumed'),
  });
  const unsubscribe = outbox.onAppended(() => loop.wake());

  return {
    drain: () => loop.runRound(),
    status: () => ({ running: loop.running, failing: loop.failing }),
    stop: async () => {
      unsubscribe();
      await loop.stop();
      // One last round, so the events of requests that finished while stopping leave now, not at the next start.
      await loop.runRound().catch((error: unknown) => {
        logger.warn({ err: error, schema }, 'outbox relay stopped with events unpublished; they wait in the outbox for the next start');
      });
      // Hand the lease over at once rather than after it expires.
      heldUntil = 0;
      await db.query(`delete from ${schema}.outbox_lease where name = 'relay' and owner = $1`, [owner]).catch(() => undefined);
    },
  };
}
