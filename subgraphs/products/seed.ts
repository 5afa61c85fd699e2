import type { Database } from '../../platform/storage/database';
import { SEED_PRODUCTS } from '../../platform/seedData';

/** Loads the demo catalog into an empty products table; does nothing otherwise. */
export async function seedProducts(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ n } = { n: '0' }] = await tx.query<{ n: string }>('select count(*) as n from products.products');
    if (Number(n) > 0) return;
    for (const p of SEED_PRODUCTS) {
      await tx.query(
        `insert into products.products (id, sku, name, description, price_amount, currency, weight_grams, category, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [p.id, p.sku, p.name, p.description, p.priceAmount, p.currency, p.weightGrams, p.category, p.createdAt],
      );
    }
  });
}
