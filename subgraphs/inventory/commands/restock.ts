import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { CommandRequest } from '../../../platform/command';
import { requireAdmin } from '../../../platform/auth/authorize';
import { notFound } from '../../../platform/errors';
import type { Outbox } from '../../../platform/events/outbox';
import { evolve, validateRestock, type Restock, type Stock } from '../domain/stock';
import { decide } from '../domain/stockDecider';
import { toStock } from '../stockRow';
import { lockStockRow, writeStock } from '../stockStore';
import { knownProducts } from '../queries/knownProducts/knownProducts';

/**
 * Adds units to a product's stock. ADMIN only. A product id inventory's
 * known-products read model (kept from products' `ProductCreated`) does not
 * hold is NOT_FOUND naming `input.productId`, and writes nothing. The stock
 * row is locked while deciding, so two restocks at once both count, one after
 * the other; the new stock and `StockRestocked` commit together. Returns the
 * stock written.
 */
export async function restock(deps: { db: Database; outbox: Outbox; clock: Clock }, { viewer, input, cause }: CommandRequest<Restock>): Promise<Stock> {
  requireAdmin(viewer, 'restock products');
  const restock = validateRestock(input);
  const row = await deps.db.transaction(async (tx) => {
    // Checked before anything is written: an unknown product leaves no empty stock row behind.
    if (!(await knownProducts.isKnown(tx, restock.productId))) {
      throw notFound(`No product has id "${input.productId}" (a product created a moment ago may take a moment to be known here).`, 'input.productId');
    }
    // A product never stocked gets an empty row first; it is rolled back with everything else if the restock is refused.
    const current = await lockStockRow(tx, restock.productId, deps.clock.now());
    const state = { quantity: current.quantity, version: current.version };
    const events = decide({ type: 'Restock', ...restock }, state);
    const next = events.reduce(evolve, state);
    const written = await writeStock(tx, restock.productId, next, deps.clock.now());
    await deps.outbox.append(tx, cause, events);
    return written;
  });
  return toStock(row);
}
