import { commandRequest } from '../../platform/command';
import type { Identity, Viewer } from '../../platform/auth/identity';
import type { DeliveredEvent } from '../../platform/events/event';
import type { LoggedEvent } from '../../platform/events/outbox';
import { SEED_PRODUCTS, SEED_USERS } from '../../platform/seedData';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../../tests/support/subgraphHarness';
import { testStorageKind } from '../../tests/support/testStorage';
import { createProduct } from './commands/createProduct';
import { updateProductPrice } from './commands/updateProductPrice';
import { productsSubgraph, type ProductsContext } from './subgraph';

const admin: Identity = { userId: SEED_USERS[0]!.id, role: 'ADMIN' };
const alice: Identity = { userId: SEED_USERS[1]!.id, role: 'CUSTOMER' };

const CREATE = `mutation($input: CreateProductInput!) { createProduct(input: $input) {
  product { id sku name description price { amount currency } weightGrams category createdAt } } }`;
const REPRICE = `mutation($input: UpdateProductPriceInput!) { updateProductPrice(input: $input) { product { id price { amount currency } } } }`;
const PRODUCT = `query($id: ID!) { product(id: $id) { id price { amount currency } } }`;

/** The products subgraph served in this process over real storage, called as the gateway would: its commands and the events they record. */
describe(`products subgraph (${testStorageKind()})`, () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  const clock = { now: () => now };
  let products: SubgraphUnderTest;
  let definition: SubgraphDefinition<ProductsContext>;

  beforeAll(async () => {
    products = await startSubgraphUnderTest('products', (db, outbox, bus) => (definition = productsSubgraph({ db, outbox, bus, clock })), { clock });
  });
  afterAll(() => products?.stop());

  const run = (query: string, variables?: Record<string, unknown>, viewer?: Viewer) => products.run(query, variables, viewer);
  /** Where the products event log ends now. */
  const logEnd = async () => Number((await products.db.query<{ p: string }>('select coalesce(max(position), 0) as p from products.outbox'))[0]!.p);
  /** The events appended after `position`, oldest first. */
  const eventsAfter = (position: number): Promise<LoggedEvent[]> => products.outbox.read(products.db, position, 1000);
  const versionOf = async (id: string) =>
    (await products.db.query<{ version: number }>('select version from products.products where id = $1', [id]))[0]?.version;
  let skuCounter = 0;
  const newProductInput = () => ({
    sku: `TST-${String(++skuCounter).padStart(4, '0')}`,
    name: ` Test Product ${skuCounter} `,
    price: { amount: 1234, currency: 'USD' },
    weightGrams: 250,
    category: 'tests',
  });

  it('given the seed, when the log is read, then it holds one ProductCreated per seed product at version 1, once although seeding ran twice', async () => {
    const seeded = (await eventsAfter(0)).filter((e) => e.correlationId === 'seed');
    const facts = seeded.map(({ type, aggregateId, aggregateVersion, causationId, data }) => ({ type, aggregateId, aggregateVersion, causationId, data }));
    expect(facts).toEqual(
      SEED_PRODUCTS.map((p) => ({
        type: 'ProductCreated',
        aggregateId: p.id,
        aggregateVersion: 1,
        causationId: null,
        data: {
          sku: p.sku,
          name: p.name,
          description: p.description,
          price: { amount: p.priceAmount, currency: p.currency },
          weightGrams: p.weightGrams,
          category: p.category,
        },
      })),
    );
    expect(await products.db.query('select distinct version from products.products')).toEqual([{ version: 1 }]);
  });

  describe('createProduct', () => {
    it('given an ADMIN, when creating, then the product is written and exactly one ProductCreated with its fields is appended', async () => {
      const before = await logEnd();
      const input = { ...newProductInput(), description: '  Made for tests.  ' };
      const { data, errors } = await run(CREATE, { input }, admin);
      expect(errors).toBeUndefined();
      const product = data.createProduct.product;
      expect(product).toEqual({
        id: expect.any(String),
        sku: input.sku,
        name: input.name.trim(),
        description: 'Made for tests.',
        price: input.price,
        weightGrams: 250,
        category: 'tests',
        createdAt: now.toISOString(),
      });
      expect(await eventsAfter(before)).toEqual([
        {
          position: expect.any(Number),
          eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          domain: 'products',
          type: 'ProductCreated',
          aggregateId: product.id,
          aggregateVersion: 1,
          occurredAt: now.toISOString(),
          // The harness sends no x-request-id, so the subgraph made one up; it is still there.
          correlationId: expect.stringMatching(/^\S{1,128}$/),
          causationId: null,
          data: { sku: input.sku, name: input.name.trim(), description: 'Made for tests.', price: input.price, weightGrams: 250, category: 'tests' },
        },
      ]);
      expect(await versionOf(product.id)).toBe(1);
    });

    it('given the request id in the context, when creating, then the event is correlated with that request', async () => {
      const before = await logEnd();
      const ctx = definition.createContext(admin, 'req-create-1');
      const product = await createProduct(ctx, commandRequest(ctx, newProductInput()));
      const [event, ...more] = await eventsAfter(before);
      expect(more).toEqual([]);
      expect(event).toMatchObject({ type: 'ProductCreated', aggregateId: product.id, correlationId: 'req-create-1', causationId: null });
    });

    it.each([
      ['a taken SKU', () => ({ ...newProductInput(), sku: SEED_PRODUCTS[0]!.sku }), admin, 'CONFLICT'],
      ['a customer', newProductInput, alice, 'FORBIDDEN'],
      ['an invalid price', () => ({ ...newProductInput(), price: { amount: 0, currency: 'USD' } }), admin, 'BAD_USER_INPUT'],
    ])('given %s, when creating fails, then nothing is written or appended', async (_case, input, viewer, code) => {
      const before = await logEnd();
      const count = async () => (await products.db.query('select id from products.products')).length;
      const rows = await count();
      const { errors } = await run(CREATE, { input: input() }, viewer);
      expect(errors?.[0]?.extensions?.code).toBe(code);
      expect(await eventsAfter(before)).toEqual([]);
      expect(await count()).toBe(rows);
    });
  });

  describe('updateProductPrice', () => {
    it('given a product, when repriced twice, then each change appends ProductPriceChanged at the next version and the payload shows the price written', async () => {
      const { id } = (await run(CREATE, { input: newProductInput() }, admin)).data.createProduct.product;
      const before = await logEnd();
      const first = await run(REPRICE, { input: { productId: id, price: { amount: 1500, currency: 'USD' } } }, admin);
      expect(first.errors).toBeUndefined();
      expect(first.data.updateProductPrice.product).toEqual({ id, price: { amount: 1500, currency: 'USD' } });
      const second = await run(REPRICE, { input: { productId: id.toUpperCase(), price: { amount: 1400, currency: 'EUR' } } }, admin);
      expect(second.data.updateProductPrice.product).toEqual({ id, price: { amount: 1400, currency: 'EUR' } });
      expect(await eventsAfter(before)).toEqual([
        expect.objectContaining({
          domain: 'products',
          type: 'ProductPriceChanged',
          aggregateId: id,
          aggregateVersion: 2,
          occurredAt: now.toISOString(),
          correlationId: expect.stringMatching(/^\S{1,128}$/),
          causationId: null,
          data: { price: { amount: 1500, currency: 'USD' }, previousPrice: { amount: 1234, currency: 'USD' } },
        }),
        expect.objectContaining({
          type: 'ProductPriceChanged',
          aggregateId: id,
          aggregateVersion: 3,
          data: { price: { amount: 1400, currency: 'EUR' }, previousPrice: { amount: 1500, currency: 'USD' } },
        }),
      ]);
      expect(await versionOf(id)).toBe(3);
      expect((await run(PRODUCT, { id })).data.product.price).toEqual({ amount: 1400, currency: 'EUR' });
    });

    it('given the request id in the context, when repricing, then the event is correlated with that request', async () => {
      const productId = SEED_PRODUCTS[5]!.id;
      const before = await logEnd();
      const ctx = definition.createContext(admin, 'req-reprice-1');
      const product = await updateProductPrice(ctx, commandRequest(ctx, { productId, price: { amount: 777, currency: 'USD' } }));
      expect(product.price).toEqual({ amount: 777, currency: 'USD' });
      expect(await eventsAfter(before)).toEqual([
        expect.objectContaining({ type: 'ProductPriceChanged', aggregateId: productId, correlationId: 'req-reprice-1' }),
      ]);
    });

    it('given a product, when set to the price it has, then it answers the product unchanged and appends nothing', async () => {
      const seeded = SEED_PRODUCTS[7]!;
      const before = await logEnd();
      const price = { amount: seeded.priceAmount, currency: seeded.currency };
      const { data, errors } = await run(REPRICE, { input: { productId: seeded.id, price } }, admin);
      expect(errors).toBeUndefined();
      expect(data.updateProductPrice.product.price).toEqual(price);
      expect(await eventsAfter(before)).toEqual([]);
      expect(await versionOf(seeded.id)).toBe(1);
    });

    it.each([
      ['an unknown product', { productId: '00000000-0000-4000-8000-000000000000', price: { amount: 100, currency: 'USD' } }, admin, 'NOT_FOUND'],
      ['a malformed id', { productId: 'nope', price: { amount: 100, currency: 'USD' } }, admin, 'BAD_USER_INPUT'],
      ['an invalid price', { productId: SEED_PRODUCTS[8]!.id, price: { amount: 100, currency: 'usd' } }, admin, 'BAD_USER_INPUT'],
      ['a customer', { productId: SEED_PRODUCTS[8]!.id, price: { amount: 100, currency: 'USD' } }, alice, 'FORBIDDEN'],
    ])('given %s, when repricing fails, then nothing is appended', async (_case, input, viewer, code) => {
      const before = await logEnd();
      expect((await run(REPRICE, { input }, viewer)).errors?.[0]?.extensions?.code).toBe(code);
      expect(await eventsAfter(before)).toEqual([]);
      expect(await versionOf(SEED_PRODUCTS[8]!.id)).toBe(1);
    });

    it('given concurrent price changes, when all are sent at once, then each applies to the price before it with its own version', async () => {
      const { id } = (await run(CREATE, { input: newProductInput() }, admin)).data.createProduct.product;
      const prices = [2001, 2002, 2003, 2004, 2005, 2006];
      const results = await Promise.all(prices.map((amount) => run(REPRICE, { input: { productId: id, price: { amount, currency: 'USD' } } }, admin)));
      expect(results.map((r) => r.errors)).toEqual(prices.map(() => undefined));
      const changes = (await eventsAfter(0)).filter((e) => e.aggregateId === id && e.type === 'ProductPriceChanged');
      // Versions 2..7, each once, and a chain: every change starts from the price the previous one set.
      expect(changes.map((e) => e.aggregateVersion)).toEqual([2, 3, 4, 5, 6, 7]);
      const data = changes.map((e) => e.data as { price: { amount: number }; previousPrice: { amount: number } });
      expect(data.map((d) => d.previousPrice.amount)).toEqual([1234, ...data.slice(0, -1).map((d) => d.price.amount)]);
      expect(data.map((d) => d.price.amount).sort()).toEqual(prices);
      expect(await versionOf(id)).toBe(7);
      expect((await run(PRODUCT, { id })).data.product.price.amount).toBe(data[data.length - 1]!.price.amount);
    });
  });

  it('given appended events, when the relay drains, then the bus delivers each of them as logged and every row is marked sent', async () => {
    const received: DeliveredEvent[] = [];
    const subscription = await products.bus.subscribe({ consumer: 'products-test-observer', domain: 'products' }, async (event) => {
      received.push(event);
    });
    try {
      const { id } = (await run(CREATE, { input: newProductInput() }, admin)).data.createProduct.product;
      await run(REPRICE, { input: { productId: id, price: { amount: 999, currency: 'USD' } } }, admin);
      await products.subgraph.drainOutbox();
      const logged = await eventsAfter(0);
      expect(logged.filter((e) => e.aggregateId === id).map((e) => e.type)).toEqual(['ProductCreated', 'ProductPriceChanged']);
      await waitFor(() => received.length >= logged.length);
      expect(received.map(({ sequence: _sequence, ...event }) => event)).toEqual(logged.map(({ position: _position, ...event }) => event));
      expect(await products.db.query('select position from products.outbox where published_at is null')).toEqual([]);
    } finally {
      await subscription.stop();
    }
  });
});

/** Resolves once `condition` holds; fails after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
