/**
 * The products domain's events: its published contract, written once here
 * and imported by products (which emits them) and by every subgraph that
 * keeps a read model from them (orders: current prices; inventory and
 * reviews: which products exist). Fields may be added, never renamed or
 * removed. `aggregateId` is the product id, `aggregateVersion` the
 * product's version after the event.
 */

import type { Money } from './money';

/** A product was added to the catalog. Aggregate: the product (id), at version 1. */
export interface ProductCreated {
  type: 'ProductCreated';
  data: {
    sku: string;
    name: string;
    description: string;
    price: Money;
    weightGrams: number;
    category: string;
  };
}

/** A product's unit price changed. Its version is the product's version after the change. */
export interface ProductPriceChanged {
  type: 'ProductPriceChanged';
  data: {
    price: Money;
    previousPrice: Money;
  };
}

/** Every event the products domain emits. */
export type ProductsEvent = ProductCreated | ProductPriceChanged;
