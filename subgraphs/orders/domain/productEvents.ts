import type { Money } from './order';

/*
 * The products events orders keeps its price read model from, as products
 * publishes them (its contract, restated here). `aggregateId` is the product
 * id and `aggregateVersion` the product's version after the event.
 */

export interface ProductCreated {
  type: 'ProductCreated';
  data: { sku: string; name: string; description: string; price: Money; weightGrams: number; category: string };
}

export interface ProductPriceChanged {
  type: 'ProductPriceChanged';
  data: { price: Money; previousPrice: Money };
}

export type PriceEvent = ProductCreated | ProductPriceChanged;
