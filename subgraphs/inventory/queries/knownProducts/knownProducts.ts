import { knownIds } from '../../../../platform/events/knownIds';
import type { ProductCreated } from '../../../../schema/events/products';

/**
 * Which products exist, as far as inventory knows: `inventory.known_products`, kept
 * from products' `ProductCreated` by the `inventory.catalog` consumer, so
 * `restock` can refuse an unknown product id without asking products.
 */
export const knownProducts = knownIds({
  consumer: 'inventory.catalog',
  table: 'inventory.known_products',
  idColumn: 'product_id',
  domain: 'products',
  createdType: 'ProductCreated' satisfies ProductCreated['type'],
});
