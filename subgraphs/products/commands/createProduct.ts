import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Viewer } from '../../../platform/auth/identity';
import { requireAdmin } from '../../../platform/auth/authorize';
import { conflict } from '../../../platform/errors';
import { newId } from '../../../platform/ids';
import { validateNewProduct, type NewProduct, type Product } from '../domain/product';
import { toProduct, type ProductRow } from '../productRow';

/** Adds a product to the catalog. ADMIN only; a taken SKU is a CONFLICT. */
export async function createProduct(deps: { db: Database; clock: Clock }, viewer: Viewer, input: NewProduct): Promise<Product> {
  requireAdmin(viewer, 'create products');
  const product = validateNewProduct(input);
  const now = deps.clock.now();
  const rows = await deps.db.query<ProductRow>(
    `insert into products.products (id, sku, name, description, price_amount, currency, weight_grams, category, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
     on conflict (sku) do nothing
     returning *`,
    [newId(), product.sku, product.name, product.description, product.price.amount, product.price.currency, product.weightGrams, product.category, now],
  );
  if (!rows[0]) throw conflict(`A product with SKU "${product.sku}" already exists.`);
  return toProduct(rows[0]);
}
