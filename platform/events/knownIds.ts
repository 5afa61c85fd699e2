import type { Sql } from '../storage/database';
import type { StreamReadModel } from './streamReadModel';

export interface KnownIdsOptions {
  /** The consumer's durable name, e.g. `inventory.catalog`. */
  consumer: string;
  /** The table it keeps, in the consuming subgraph's own schema, with `(<id> uuid primary key, created_at)`, e.g. `inventory.known_products`. */
  table: string;
  /** Its id column, e.g. `product_id`. */
  idColumn: string;
  /** The producing domain and the event that creates an entity there (its `aggregateId` is the id). */
  domain: string;
  createdType: string;
}

/** A read model of which entities of another domain exist, and the consumer that keeps it. */
export interface KnownIds {
  /** The consumer, which can also rebuild the table from the producer's stream. */
  consumer: StreamReadModel;
  /**
   * True when `id` names an entity whose creation event the consumer has
   * handled. One created a moment ago may not be known yet: the read model
   * trails its domain by one hop over the bus.
   */
  isKnown(db: Sql, id: string): Promise<boolean>;
}

/**
 * Lets a subgraph refuse a reference to another domain's entity that does
 * not exist without asking that domain: an inbox-guarded consumer records
 * one row per creation event (an entity is created once, so a redelivered
 * event changes nothing), and commands look ids up in their own schema.
 */
export function knownIds(options: KnownIdsOptions): KnownIds {
  return {
    consumer: {
      name: options.consumer,
      domain: options.domain,
      types: [options.createdType],
      async handle(event, tx) {
        await tx.query(`insert into ${options.table} (${options.idColumn}, created_at) values ($1, $2) on conflict do nothing`, [
          event.aggregateId,
          event.occurredAt,
        ]);
      },
      async reset(tx) {
        await tx.query(`delete from ${options.table}`);
      },
    },
    async isKnown(db, id) {
      const rows = await db.query(`select 1 from ${options.table} where ${options.idColumn} = $1`, [id]);
      return rows.length > 0;
    },
  };
}
