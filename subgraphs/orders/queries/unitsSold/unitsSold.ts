import type { OrderLoaders } from '../../loaders';

/** Confirmed units of the product not cancelled since; 0 when none were ever sold. Eventually consistent. */
export function unitsSold(loaders: OrderLoaders, productId: string): Promise<number> {
  return loaders.unitsSoldByProductId.load(productId);
}
