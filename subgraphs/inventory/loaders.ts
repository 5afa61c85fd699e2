import DataLoader from 'dataloader';
import type { Sql } from '../../platform/storage/database';
import { isUuid } from '../../platform/ids';

export interface InventoryLoaders {
  /** Units on hand by product id; 0 when inventory has no row for it (or the id is malformed). */
  stockByProductId: DataLoader<string, number>;
}

/** Fresh loaders for one request, so nothing is cached across callers. */
export function createLoaders(db: Sql): InventoryLoaders {
  return {
    stockByProductId: new DataLoader(async (productIds) => {
      // Postgres prints UUIDs in lower case; keys are compared the same way.
      const valid = [...new Set(productIds.filter(isUuid).map((id) => id.toLowerCase()))];
      const rows = valid.length
        ? await db.query<{ product_id: string; quantity: number }>('select product_id, quantity from inventory.stock where product_id = any($1::uuid[])', [
            valid,
          ])
        : [];
      const byId = new Map(rows.map((row) => [row.product_id, row.quantity]));
      return productIds.map((id) => byId.get(id.toLowerCase()) ?? 0);
    }),
  };
}
