import type { Transaction } from '../../platform/storage/database';
import type { ProductState } from './domain/product';
import type { ProductRow } from './productRow';

/**
 * The write model of products: `products.products`, read as the
 * `ProductState` that `decide` takes (`toProductState`) and written from the
 * state that `evolve` returns. Callers append the events in the same transaction.
 */

/** Inserts a new product; returns its row, or null when the SKU is taken (the unique SKU constraint decides between racing creations). */
export async function insertProduct(tx: Transaction, product: ProductState, now: Date): Promise<ProductRow | null> {
  const [row] = await tx.query<ProductRow>(
    `insert into products.products (id, sku, name, description, price_amount, currency, weight_grams, category, version, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     on conflict (sku) do nothing
     returning *`,
    [
      product.id,
      product.sku,
      product.name,
      product.description,
      product.price.amount,
      product.price.currency,
      product.weightGrams,
      product.category,
      product.version,
      now,
    ],
  );
  return row ?? null;
}

/** The product `id`, its row locked until the transaction ends (`for update`); undefined when there is none. */
export async function lockProduct(tx: Transaction, id: string): Promise<ProductRow | undefined> {
  const [row] = await tx.query<ProductRow>('select * from products.products where id = $1 for update', [id]);
  return row;
}

/**
 * Writes `next`'s price and version over the product if it is still at
 * `previousVersion`; returns the row written, or null when another writer
 * changed it meanwhile.
 */
export async function updatePrice(tx: Transaction, next: ProductState, previousVersion: number, now: Date): Promise<ProductRow | null> {
  const [row] = await tx.query<ProductRow>(
    `update products.products set price_amount = $2, currency = $3, version = $4, updated_at = $5
     where id = $1 and version = $6
     returning *`,
    [next.id, next.price.amount, next.price.currency, next.version, now, previousVersion],
  );
  return row ?? null;
}
