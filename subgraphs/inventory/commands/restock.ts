import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Viewer } from '../../../platform/auth/identity';
import { requireAdmin } from '../../../platform/auth/authorize';
import type { EventCause } from '../../../platform/events/event';
import type { Outbox } from '../../../platform/events/outbox';
import { decideRestock, evolveStock, validateRestock, type Restock, type Stock } from '../domain/stock';
import { toStock, type StockRow } from '../stockRow';

/**
 * Adds units to a product's stock. ADMIN only. The stock row is locked while
 * deciding, so two restocks at once both count, one after the other; the new
 * stock and `StockRestocked` commit together. Returns the stock written.
 */
export async function restock(
  deps: { db: Database; outbox: Outbox; clock: Clock },
  viewer: Viewer,
  input: Restock,
  cause: EventCause,
): Promise<Stock> {
  requireAdmin(viewer, 'restock products');
  const restock = validateRestock(input);
  // Inventory cannot check that the catalog has this product: it reads no other
  // subgraph's schema, and does not keep product events. Any well-formed id can be stocked.
  const row = await deps.db.transaction(async (tx) => {
    // A product never stocked gets an empty row (version 0) first, so there is a row to lock;
    // it is rolled back with everything else if the restock is refused.
    await tx.query('insert into inventory.stock (product_id, quantity, version, updated_at) values ($1, 0, 0, $2) on conflict do nothing', [
      restock.productId,
      deps.clock.now(),
    ]);
    const [current] = await tx.query<StockRow>('select * from inventory.stock where product_id = $1 for update', [restock.productId]);
    const state = { quantity: current!.quantity, version: current!.version };
    const events = decideRestock(restock, state);
    const next = events.reduce(evolveStock, state);
    const [written] = await tx.query<StockRow>(
      'update inventory.stock set quantity = $2, version = $3, updated_at = $4 where product_id = $1 returning *',
      [restock.productId, next.quantity, next.version, deps.clock.now()],
    );
    await deps.outbox.append(tx, cause, events);
    return written!;
  });
  return toStock(row);
}
