import type { Product } from './domain/product';
import type { ProductState } from './domain/product';

/** A row of `products.products`. */
export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_amount: number;
  currency: string;
  weight_grams: number;
  category: string;
  created_at: Date;
  /** The aggregate's version: 1 when created, +1 with each price change. */
  version: number;
}

export function toProduct(row: ProductRow): Product {
  return { ...productFields(row), createdAt: row.created_at };
}

/** The product as `decide` needs it. */
export function toProductState(row: ProductRow): ProductState {
  return { ...productFields(row), version: row.version };
}

/** What a product and its decision state both take from the row. */
function productFields(row: ProductRow): Omit<Product, 'createdAt'> {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: { amount: row.price_amount, currency: row.currency },
    weightGrams: row.weight_grams,
    category: row.category,
  };
}
