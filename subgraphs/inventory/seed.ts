import type { Database } from '../../platform/storage/database';
import type { EventCause } from '../../platform/events/event';
import { Outbox } from '../../platform/events/outbox';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { decide } from './domain/stockDecider';

const SEED_CAUSE: EventCause = { correlationId: 'seed', causationId: null };

/**
 * Stocks the demo products on an empty stock table, each as a first restock
 * (`StockRestocked`, version 1) stamped with the product's seeded time.
 * Products seeded sold out get no row, which reads as 0 on hand. Does
 * nothing when stock exists.
 */
export async function seedInventory(db: Database, outbox: Outbox): Promise<void> {
  const seeded = await db.transaction(async (tx) => {
    // Instances starting together seed once.
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['inventory.seed']);
    const [{ n } = { n: '0' }] = await tx.query<{ n: string }>('select count(*) as n from inventory.stock');
    if (Number(n) > 0) return false;
    for (const p of SEED_PRODUCTS) {
      if (p.stock === 0) continue;
      const events = decide({ type: 'Restock', productId: p.id, quantity: p.stock }, { quantity: 0, version: 0 });
      await tx.query('insert into inventory.stock (product_id, quantity, version, updated_at) values ($1, $2, $3, $4)', [
        p.id,
        p.stock,
        events[0]!.aggregateVersion,
        p.createdAt,
      ]);
      await new Outbox(outbox.schema, { now: () => p.createdAt }).append(tx, SEED_CAUSE, events);
    }
    return true;
  });
  // The appends went through stand-ins with fixed clocks; wake the subgraph's relay.
  if (seeded) outbox.notify();
}
