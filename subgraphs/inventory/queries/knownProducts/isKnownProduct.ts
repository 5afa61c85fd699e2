import type { Sql } from '../../../../platform/storage/database';

/**
 * True when `productId` (a UUID) names a product whose `ProductCreated`
 * the `inventory.catalog` consumer has handled. A product created a moment ago
 * may not be known yet: the read model trails products by one hop over the bus.
 */
export async function isKnownProduct(db: Sql, productId: string): Promise<boolean> {
  const rows = await db.query('select 1 from inventory.known_products where product_id = $1', [productId]);
  return rows.length > 0;
}
