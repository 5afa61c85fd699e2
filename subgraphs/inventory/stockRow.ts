import type { Stock } from './domain/stock';

/** A row of `inventory.stock`. */
export interface StockRow {
  product_id: string;
  quantity: number;
  version: number;
  updated_at: Date;
}

/** The domain view of a stock row. */
export function toStock(row: StockRow): Stock {
  return { productId: row.product_id, quantity: row.quantity, version: row.version, updatedAt: row.updated_at };
}
