/**
 * The products domain's events. Their payloads are a contract: other
 * subgraphs keep read models from them (orders keeps current prices), so
 * fields may be added but never renamed or removed.
 */

/** An amount in minor units of its currency (cents for USD). */
export interface Money {
  amount: number;
  currency: string;
}

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
