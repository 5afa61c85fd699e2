import type { Clock } from '../clock';
import { newId } from '../ids';
import type { Sql, Transaction } from '../storage/database';
import type { DomainEvent, EventCause } from './event';

/** An event a command or consumer is about to record: its type, payload and aggregate; the outbox adds the rest. */
export type NewEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> = E & {
  aggregateId: string;
  aggregateVersion: number;
};

/** A recorded event with its position in the subgraph's log. */
export type LoggedEvent<E extends { type: string; data: unknown } = { type: string; data: unknown }> = DomainEvent<E> & { position: number };

interface OutboxRow {
  position: string;
  event_id: string;
  type: string;
  aggregate_id: string;
  aggregate_version: number;
  occurred_at: Date;
  correlation_id: string;
  causation_id: string | null;
  data: unknown;
}

/**
 * A subgraph's event log (`<schema>.outbox`). `append` records events in the
 * caller's transaction, so they commit or roll back with the state change
 * that produced them; after the commit it wakes whoever waits for new events
 * (the relay, projections) in this process. Other processes find them by polling.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  constructor(
    /** The subgraph's schema; also its events' `domain`. */
    readonly schema: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Records `events` in `tx` and returns them as stored. Appends take a
   * transaction-scoped lock first, so positions are handed out in commit
   * order: a reader that has seen position N never later finds a smaller one.
   */
  async append(tx: Transaction, cause: EventCause, events: readonly NewEvent[]): Promise<DomainEvent[]> {
    if (!events.length) return [];
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`${this.schema}.outbox`]);
    const occurredAt = this.clock.now();
    const stored = events.map((event): DomainEvent => ({
      eventId: newId(),
      domain: this.schema,
      type: event.type,
      aggregateId: event.aggregateId,
      aggregateVersion: event.aggregateVersion,
      occurredAt: occurredAt.toISOString(),
      correlationId: cause.correlationId,
      causationId: cause.causationId,
      data: event.data,
    }));
    await tx.query(
      `insert into ${this.schema}.outbox (event_id, type, aggregate_id, aggregate_version, occurred_at, correlation_id, causation_id, data)
       select * from unnest($1::uuid[], $2::text[], $3::text[], $4::integer[], $5::timestamptz[], $6::text[], $7::uuid[], $8::jsonb[])`,
      [
        stored.map((e) => e.eventId),
        stored.map((e) => e.type),
        stored.map((e) => e.aggregateId),
        stored.map((e) => e.aggregateVersion),
        stored.map(() => occurredAt),
        stored.map((e) => e.correlationId),
        stored.map((e) => e.causationId),
        stored.map((e) => JSON.stringify(e.data)),
      ],
    );
    tx.afterCommit(() => this.notify());
    return stored;
  }

  /** Calls `listener` after every commit that appended events; returns the unsubscribe function. */
  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Wakes the listeners, e.g. after a projection was reset. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Events after `position`, oldest first, optionally of some types only. */
  async read(sql: Sql, afterPosition: number, limit: number, types?: readonly string[]): Promise<LoggedEvent[]> {
    const rows = await sql.query<OutboxRow>(
      `select * from ${this.schema}.outbox
       where position > $1 and ($2::text[] is null or type = any($2::text[]))
       order by position limit $3`,
      [afterPosition, types ?? null, limit],
    );
    return rows.map((row) => this.toEvent(row));
  }

  /** Unpublished events, oldest first. */
  async unpublished(sql: Sql, limit: number): Promise<LoggedEvent[]> {
    const rows = await sql.query<OutboxRow>(`select * from ${this.schema}.outbox where published_at is null order by position limit $1`, [limit]);
    return rows.map((row) => this.toEvent(row));
  }

  private toEvent(row: OutboxRow): LoggedEvent {
    return {
      position: Number(row.position),
      eventId: row.event_id,
      domain: this.schema,
      type: row.type,
      aggregateId: row.aggregate_id,
      aggregateVersion: row.aggregate_version,
      occurredAt: row.occurred_at.toISOString(),
      correlationId: row.correlation_id,
      causationId: row.causation_id,
      data: row.data,
    };
  }
}
