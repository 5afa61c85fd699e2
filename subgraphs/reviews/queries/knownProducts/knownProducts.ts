import { knownIds } from '../../../../platform/events/knownIds';
import type { ProductCreated } from '../../../../schema/events/products';

/**
 * Which products exist, as far as reviews knows: `reviews.known_products`, kept
 * from products' `ProductCreated` by the `reviews.catalog` consumer, so
 * `addReview` can refuse an unknown product id without asking products.
 */
export const knownProducts = knownIds({
  consumer: 'reviews.catalog',
  table: 'reviews.known_products',
  idColumn: 'product_id',
  domain: 'products',
  createdType: 'ProductCreated' satisfies ProductCreated['type'],
});
