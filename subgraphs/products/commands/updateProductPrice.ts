import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Viewer } from '../../../platform/auth/identity';
import { requireAdmin } from '../../../platform/auth/authorize';
import { badInput, notFound } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';
import { validatePrice, type Product } from '../domain/product';
import { toProduct, type ProductRow } from '../productRow';

/** Sets a product's unit price. ADMIN only. */
export async function updateProductPrice(
  deps: { db: Database; clock: Clock },
  viewer: Viewer,
  input: { productId: string; price: { amount: number; currency: string } },
): Promise<Product> {
  requireAdmin(viewer, 'change prices');
  if (!isUuid(input.productId)) throw badInput('input.productId', `productId must be a product id (UUID), got "${input.productId}".`);
  validatePrice(input.price, 'input.price');
  const rows = await deps.db.query<ProductRow>(
    `update products.products set price_amount = $2, currency = $3, updated_at = $4 where id = $1 returning *`,
    [input.productId, input.price.amount, input.price.currency, deps.clock.now()],
  );
  if (!rows[0]) throw notFound(`No product has id "${input.productId}".`);
  return toProduct(rows[0]);
}
