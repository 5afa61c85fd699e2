import type { Transaction } from '../../platform/storage/database';
import type { StockState } from './domain/stock';
import type { StockRow } from './stockRow';

/**
 * The write model of stock: `inventory.stock`, one row per product. Callers
 * append the events in the same transaction.
 */

/**
 * The stock row of `productId`, locked until the transaction ends (`for
 * update`). A product never stocked gets an empty row (version 0) first, so
 * there is a row to lock; it is rolled back with everything else if the
 * transaction fails.
 */
export async function lockStockRow(tx: Transaction, productId: string, now: Date): Promise<StockRow> {
  await tx.query('insert into inventory.stock (product_id, quantity, version, updated_at) values ($1, 0, 0, $2) on conflict do nothing', [productId, now]);
  const [row] = await tx.query<StockRow>('select * from inventory.stock where product_id = $1 for update', [productId]);
  return row!;
}

/** Writes a product's units on hand and version; returns the row written. */
export async function writeStock(tx: Transaction, productId: string, next: StockState, now: Date): Promise<StockRow> {
  const [row] = await tx.query<StockRow>('update inventory.stock set quantity = $2, version = $3, updated_at = $4 where product_id = $1 returning *', [
    productId,
    next.quantity,
    next.version,
    now,
  ]);
  return row!;
}

/**
 * Locks the stock rows of `productIds` (`for update`, in product id order,
 * so two reservations never wait on each other in a cycle) and returns the
 * units on hand; products without a row are absent.
 */
export async function lockStock(tx: Transaction, productIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await tx.query<{ product_id: string; quantity: number }>(
    'select product_id, quantity from inventory.stock where product_id = any($1::uuid[]) order by product_id for update',
    [productIds],
  );
  return new Map(rows.map((row) => [row.product_id, row.quantity]));
}

/** Sets the units on hand of every product in `onHand`, in one statement (the version counts restocks only). */
export async function writeUnitsOnHand(tx: Transaction, onHand: ReadonlyArray<{ productId: string; quantity: number }>, now: Date): Promise<void> {
  await tx.query(
    `update inventory.stock s set quantity = l.quantity, updated_at = $3
     from unnest($1::uuid[], $2::integer[]) as l (product_id, quantity) where s.product_id = l.product_id`,
    [onHand.map((line) => line.productId), onHand.map((line) => line.quantity), now],
  );
}
