import type { Database } from '../../platform/storage/database';
import type { NewEvent, Outbox } from '../../platform/events/outbox';
import { SEED_PRODUCTS } from '../../platform/seedData';
import type { ProductCreated } from '../../schema/events/products';

/**
 * Loads the demo catalog into an empty products table and appends a
 * `ProductCreated` for each product in the same transaction, so the event log
 * (and every read model kept from it) holds the whole catalog; does nothing
 * when products exist.
 */
export async function seedProducts(db: Database, outbox: Outbox): Promise<void> {
  await db.transaction(async (tx) => {
    const [{ n } = { n: '0' }] = await tx.query<{ n: string }>('select count(*) as n from products.products');
    if (Number(n) > 0) return;
    const events: NewEvent<ProductCreated>[] = [];
    for (const p of SEED_PRODUCTS) {
      // `on conflict do nothing`: another instance starting at the same moment may have seeded first.
      const inserted = await tx.query(
        `insert into products.products (id, sku, name, description, price_amount, currency, weight_grams, category, version, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)
         on conflict do nothing
         returning id`,
        [p.id, p.sku, p.name, p.description, p.priceAmount, p.currency, p.weightGrams, p.category, p.createdAt],
      );
      // Only a row this transaction wrote gets an event; the other instance recorded its own.
      if (!inserted.length) continue;
      events.push({
        type: 'ProductCreated',
        aggregateId: p.id,
        aggregateVersion: 1,
        data: {
          sku: p.sku,
          name: p.name,
          description: p.description,
          price: { amount: p.priceAmount, currency: p.currency },
          weightGrams: p.weightGrams,
          category: p.category,
        },
      });
    }
    await outbox.append(tx, { correlationId: 'seed', causationId: null }, events);
  });
}
