import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Outbox } from '../../../platform/events/outbox';
import type { CommandRequest } from '../../../platform/command';
import { requireAdmin } from '../../../platform/auth/authorize';
import { conflict } from '../../../platform/errors';
import { newId } from '../../../platform/ids';
import type { NewProduct, Product } from '../domain/product';
import { evolve } from '../domain/product';
import { decide } from '../domain/productDecider';
import { toProduct } from '../productRow';
import { insertProduct } from '../productStore';

/**
 * Adds a product to the catalog. ADMIN only. The row and its
 * `ProductCreated` commit in one transaction; a taken SKU is a CONFLICT and
 * records nothing.
 */
export async function createProduct(
  deps: { db: Database; outbox: Outbox; clock: Clock },
  { viewer, input, cause }: CommandRequest<NewProduct>,
): Promise<Product> {
  requireAdmin(viewer, 'create products');
  // A fresh id names no product yet, so the state is null; the unique SKU constraint decides between racing creations.
  const events = decide({ type: 'CreateProduct', productId: newId(), product: input }, null);
  const product = events.reduce(evolve, null)!;
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const row = await insertProduct(tx, product, now);
    if (!row) throw conflict(`A product with SKU "${product.sku}" already exists.`);
    await deps.outbox.append(tx, cause, events);
    return toProduct(row);
  });
}
