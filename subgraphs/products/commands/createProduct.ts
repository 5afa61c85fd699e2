import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Outbox } from '../../../platform/events/outbox';
import type { Viewer } from '../../../platform/auth/identity';
import { requireAdmin } from '../../../platform/auth/authorize';
import { conflict } from '../../../platform/errors';
import { newId } from '../../../platform/ids';
import type { NewProduct, Product } from '../domain/product';
import { evolve } from '../domain/product';
import { decide } from '../domain/productDecider';
import { toProduct, type ProductRow } from '../productRow';

/**
 * Adds a product to the catalog. ADMIN only. The row and its
 * `ProductCreated` commit in one transaction; a taken SKU is a CONFLICT and
 * records nothing.
 */
export async function createProduct(
  deps: { db: Database; outbox: Outbox; clock: Clock; requestId: string },
  viewer: Viewer,
  input: NewProduct,
): Promise<Product> {
  requireAdmin(viewer, 'create products');
  // A fresh id names no product yet, so the state is null; the unique SKU constraint decides between racing creations.
  const events = decide({ type: 'CreateProduct', productId: newId(), product: input }, null);
  const product = events.reduce(evolve, null)!;
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const rows = await tx.query<ProductRow>(
      `insert into products.products (id, sku, name, description, price_amount, currency, weight_grams, category, version, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
       on conflict (sku) do nothing
       returning *`,
      [
        product.id,
        product.sku,
        product.name,
        product.description,
        product.price.amount,
        product.price.currency,
        product.weightGrams,
        product.category,
        product.version,
        now,
      ],
    );
    if (!rows[0]) throw conflict(`A product with SKU "${product.sku}" already exists.`);
    await deps.outbox.append(tx, { correlationId: deps.requestId, causationId: null }, events);
    return toProduct(rows[0]);
  });
}
