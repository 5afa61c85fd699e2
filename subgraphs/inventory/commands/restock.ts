import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Viewer } from '../../../platform/auth/identity';
import { requireAdmin } from '../../../platform/auth/authorize';
import { conflict } from '../../../platform/errors';
import { validateRestock, MAX_STOCK, type Restock, type Stock } from '../domain/stock';
import { toStock, type StockRow } from '../stockRow';

/**
 * Adds units to a product's stock. ADMIN only. One upsert does it, so two
 * restocks at once both count: the addition happens in the database, never
 * as read-then-write here.
 */
export async function restock(deps: { db: Database; clock: Clock }, viewer: Viewer, input: Restock): Promise<Stock> {
  requireAdmin(viewer, 'restock products');
  const { productId, quantity } = validateRestock(input);
  // Inventory cannot check that the catalog has this product: it reads no other
  // subgraph's schema, and product events (ProductCreated) come in a later issue.
  // Until then any well-formed id can be stocked.
  const rows = await deps.db.query<StockRow>(
    `insert into inventory.stock (product_id, quantity, updated_at)
     values ($1, $2, $3)
     on conflict (product_id) do update
       set quantity = stock.quantity + excluded.quantity, updated_at = excluded.updated_at
       where stock.quantity <= $4::integer - excluded.quantity
     returning *`,
    [productId, quantity, deps.clock.now(), MAX_STOCK],
  );
  // The guard above leaves the row alone, and returns nothing, when the sum would pass MAX_STOCK.
  if (!rows[0]) throw conflict(`Stock of product "${productId}" may not exceed ${MAX_STOCK} units; adding ${quantity} would pass it.`);
  return toStock(rows[0]);
}
