import type { Money } from '../../schema/events/money';

/**
 * Where orders learns a product's current unit price. Orders may not read
 * the products schema or ask products at order time; its adapter
 * (`queries/productPrices/readModelProductCatalog.ts`) reads the prices
 * orders keeps from products' events.
 */
export interface ProductCatalog {
  /** Current unit prices by product id; a product the catalog does not know is absent from the map. */
  pricesOf(productIds: readonly string[]): Promise<Map<string, Money>>;
}
