/*
 * The products event this subgraph keeps its known-products read model from,
 * as products publishes it (its contract, restated here). `aggregateId` is
 * the product id.
 */

export interface ProductCreated {
  type: 'ProductCreated';
  data: {
    sku: string;
    name: string;
    description: string;
    price: { amount: number; currency: string };
    weightGrams: number;
    category: string;
  };
}
