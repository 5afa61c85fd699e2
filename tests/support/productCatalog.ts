import { newId } from '../../platform/ids';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { eventually } from './eventually';
import type { SubgraphUnderTest } from './subgraphHarness';

/** A product as a `ProductCreated` describes it; a seeded product (`SEED_PRODUCTS`) is one. */
export interface CatalogProduct {
  id: string;
  sku?: string;
  name?: string;
  description?: string;
  priceAmount?: number;
  currency?: string;
  weightGrams?: number;
  category?: string;
}

/**
 * Plays the products subgraph for a subgraph under test that keeps a
 * known-products read model (inventory, reviews): publishes a
 * `ProductCreated` for each product to its bus, as products' relay would,
 * then waits until `<subgraph>.known_products` holds every one of them.
 */
export async function createProducts(subgraph: SubgraphUnderTest, products: readonly CatalogProduct[] = SEED_PRODUCTS): Promise<void> {
  for (const p of products) {
    await subgraph.bus.publish({
      eventId: newId(),
      type: 'ProductCreated',
      domain: 'products',
      aggregateId: p.id,
      aggregateVersion: 1,
      occurredAt: new Date().toISOString(),
      correlationId: 'test',
      causationId: null,
      data: {
        sku: p.sku ?? `T-${p.id.slice(0, 8)}`,
        name: p.name ?? 'Test product',
        description: p.description ?? 'A product of the test.',
        price: { amount: p.priceAmount ?? 100, currency: p.currency ?? 'USD' },
        weightGrams: p.weightGrams ?? 100,
        category: p.category ?? 'test',
      },
    });
  }
  const schema = subgraph.outbox.schema;
  const ids = products.map((p) => p.id.toLowerCase());
  await eventually(async () => {
    const [row] = await subgraph.db.query<{ n: string }>(`select count(*) as n from ${schema}.known_products where product_id = any($1::uuid[])`, [ids]);
    return Number(row?.n) === new Set(ids).size;
  }, `${schema} to know ${ids.length} created product(s)`);
}

/** A fresh product id the subgraph under test knows (its `ProductCreated` handled). */
export async function newKnownProduct(subgraph: SubgraphUnderTest): Promise<string> {
  const id = newId();
  await createProducts(subgraph, [{ id }]);
  return id;
}
