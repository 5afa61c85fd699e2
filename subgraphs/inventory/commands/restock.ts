import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Viewer } from '../../../platform/auth/identity';
import { requireAdmin } from '../../../platform/auth/authorize';
import { notFound } from '../../../platform/errors';
import type { EventCause } from '../../../platform/events/event';
import type { Outbox } from '../../../platform/events/outbox';
import { evolve, validateRestock, type Restock, type Stock } from '../domain/stock';
import { decide } from '../domain/stockDecider';
import { toStock, type StockRow } from '../stockRow';
import { knownProducts } from '../queries/knownProducts/knownProducts';

/**
 * Adds units to a product's stock. ADMIN only. A product id inventory's
 * known-products read model (kept from products' `ProductCreated`) does not
 * hold is NOT_FOUND naming `input.productId`, and writes nothing. The stock
 * row is locked while deciding, so two restocks at once both count, one after
 * the other; the new stock and `StockRestocked` commit together. Returns the
 * stock written.
 */
export async function restock(
  deps: { db: Database; outbox: Outbox; clock: Clock },
  viewer: Viewer,
  input: Restock,
  cause: EventCause,
): Promise<Stock> {
  requireAdmin(viewer, 'restock products');
  const restock = validateRestock(input);
  const row = await deps.db.transaction(async (tx) => {
    // Checked before anything is written: an unknown product leaves no empty stock row behind.
    if (!(await knownProducts.isKnown(tx, restock.productId))) {
      throw notFound(`No product has id "${input.productId}" (a product created a moment ago may take a moment to be known here).`, 'input.productId');
    }
    // A product never stocked gets an empty row (version 0) first, so there is a row to lock;
    // it is rolled back with everything else if the restock is refused.
    await tx.query('insert into inventory.stock (product_id, quantity, version, updated_at) values ($1, 0, 0, $2) on conflict do nothing', [
      restock.productId,
      deps.clock.now(),
    ]);
    const [current] = await tx.query<StockRow>('select * from inventory.stock where product_id = $1 for update', [restock.productId]);
    const state = { quantity: current!.quantity, version: current!.version };
    const events = decide({ type: 'Restock', ...restock }, state);
    const next = events.reduce(evolve, state);
    const [written] = await tx.query<StockRow>(
      'update inventory.stock set quantity = $2, version = $3, updated_at = $4 where product_id = $1 returning *',
      [restock.productId, next.quantity, next.version, deps.clock.now()],
    );
    await deps.outbox.append(tx, cause, events);
    return written!;
  });
  return toStock(row);
}
