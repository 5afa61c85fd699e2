import type { Sql } from '../../../../platform/storage/database';
import type { Money } from '../../../../schema/events/money';
import type { ProductCatalog } from '../../productCatalog';

/**
 * A `ProductCatalog` over `orders.product_prices`, the prices the
 * `orders.catalog` consumer keeps from products' events: ONE statement for
 * all ids, no call to another subgraph. A product whose ProductCreated has
 * not arrived yet is unknown.
 */
export function readModelProductCatalog(db: Sql): ProductCatalog {
  return {
    async pricesOf(productIds) {
      const prices = new Map<string, Money>();
      const ids = [...new Set(productIds)];
      if (!ids.length) return prices;
      const rows = await db.query<{ product_id: string; amount: number; currency: string }>(
        'select product_id, amount, currency from orders.product_prices where product_id = any($1::uuid[])',
        [ids],
      );
      for (const row of rows) prices.set(row.product_id, { amount: row.amount, currency: row.currency });
      return prices;
    },
  };
}
