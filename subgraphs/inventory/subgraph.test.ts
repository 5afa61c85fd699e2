import { testStorageKind } from '../../tests/support/testStorage';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../../tests/support/subgraphHarness';
import type { Identity } from '../../platform/auth/identity';
import { SEED_PRODUCTS, SEED_USERS } from '../../platform/seedData';
import { newId } from '../../platform/ids';
import type { LoggedEvent } from '../../platform/events/outbox';
import type { StockRestocked } from '../../schema/events/inventory';
import { inventorySubgraph } from './subgraph';
import { liveWatchCount } from '../../platform/events/watchEvents';
import { encodeEventCursor } from '../../platform/events/eventCursor';
import { createProducts, newKnownProduct } from '../../tests/support/productCatalog';

const NOW = new Date('2026-02-01T12:00:00.000Z');
const admin: Identity = { userId: SEED_USERS[0]!.id, role: 'ADMIN' };
const alice: Identity = { userId: SEED_USERS[1]!.id, role: 'CUSTOMER' };

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock inStock } } }`;
const SHIPPING = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock shippingEstimate } } }`;
const RESTOCK = `mutation($input: RestockInput!) { restock(input: $input) { product { id stock inStock } } }`;

/** The inventory subgraph over HTTP, called as the gateway would call it. */
describe(`inventory subgraph (${testStorageKind()})`, () => {
  let inventory: SubgraphUnderTest;

  beforeAll(async () => {
    inventory = await startSubgraphUnderTest('inventory', (db, outbox, bus) => inventorySubgraph({ db, outbox, bus, clock: { now: () => NOW } }));
    // The test plays products: the seeded catalog's ProductCreated events, handled by inventory.catalog.
    await createProducts(inventory);
  });
  afterAll(() => inventory?.stop());

  const call = (query: string, variables: Record<string, unknown>, as?: Identity) => inventory.run(query, variables, as);

  const ref = (id: string) => ({ __typename: 'Product', id });
  /** Every StockRestocked in inventory's log, oldest first. */
  const restockedEvents = async () => (await inventory.outbox.read(inventory.db, 0, 10_000, ['StockRestocked'])) as Array<LoggedEvent<StockRestocked>>;

  it('given seeded products, when they are referenced, then each has its seeded stock', async () => {
    const products = SEED_PRODUCTS.slice(0, 8);
    const result = await call(ENTITIES, { r: products.map((p) => ref(p.id)) });
    expect(result.errors).toBeUndefined();
    expect(result.data._entities).toEqual(products.map((p) => ({ id: p.id, stock: p.stock, inStock: p.stock > 0 })));
    expect(products.some((p) => p.stock === 0)).toBe(true);
  });

  it('given a product inventory has never stocked, then its stock is 0 and it is not in stock', async () => {
    const id = newId();
    expect((await call(ENTITIES, { r: [ref(id)] })).data._entities).toEqual([{ id, stock: 0, inStock: false }]);
  });

  it('given a malformed id, then the reference resolves to null without reaching SQL', async () => {
    const { result, statements } = await inventory.counting(() => call(ENTITIES, { r: [ref("x' or 1=1 --")] }));
    expect(result.data._entities).toEqual([null]);
    expect(statements).toEqual([]);
  });

  it('reads the stock of any number of references with one statement', async () => {
    const { result, statements } = await inventory.counting(() => call(ENTITIES, { r: SEED_PRODUCTS.map((p) => ref(p.id)) }));
    expect(result.data._entities).toHaveLength(SEED_PRODUCTS.length);
    expect(statements).toHaveLength(1);
  });

  it('estimates shipping from the price and weight the gateway sends along (@requires), keeping them on the reference', async () => {
    const cheap = SEED_PRODUCTS[0]!;
    const result = await call(SHIPPING, {
      r: [
        { ...ref(cheap.id), price: { amount: 9_999, currency: 'USD' }, weightGrams: 501 },
        { ...ref(SEED_PRODUCTS[1]!.id), price: { amount: 10_000, currency: 'USD' }, weightGrams: 5_000 },
        { ...ref(SEED_PRODUCTS[2]!.id), price: { amount: 1_000, currency: 'USD' }, weightGrams: 500 },
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data._entities).toEqual([
      { id: cheap.id, stock: cheap.stock, shippingEstimate: 699 },
      { id: SEED_PRODUCTS[1]!.id, stock: SEED_PRODUCTS[1]!.stock, shippingEstimate: 0 },
      { id: SEED_PRODUCTS[2]!.id, stock: SEED_PRODUCTS[2]!.stock, shippingEstimate: 599 },
    ]);
  });

  it('given an ADMIN, when a product is restocked twice, then both additions count', async () => {
    const product = SEED_PRODUCTS[4]!;
    const first = await call(RESTOCK, { input: { productId: product.id, quantity: 5 } }, admin);
    expect(first.errors).toBeUndefined();
    expect(first.data.restock.product).toEqual({ id: product.id, stock: product.stock + 5, inStock: true });
    const [second, third] = await Promise.all([
      call(RESTOCK, { input: { productId: product.id, quantity: 10 } }, admin),
      call(RESTOCK, { input: { productId: product.id, quantity: 20 } }, admin),
    ]);
    expect([second.errors, third.errors]).toEqual([undefined, undefined]);
    expect((await call(ENTITIES, { r: [ref(product.id)] })).data._entities[0].stock).toBe(product.stock + 35);
    const [row] = await inventory.db.query<{ updated_at: Date; version: number }>('select updated_at, version from inventory.stock where product_id = $1', [
      product.id,
    ]);
    expect(row?.updated_at).toEqual(NOW);
    // Each restock committed one StockRestocked with the row's new version, after the seeded first one.
    const events = (await restockedEvents()).filter((e) => e.aggregateId === product.id);
    expect(events.map((e) => e.aggregateVersion)).toEqual([1, 2, 3, 4]);
    expect(row?.version).toBe(4);
    expect(events[1]!.data).toEqual({ productId: product.id, quantity: 5, stock: product.stock + 5 });
    expect(
      events
        .slice(2)
        .map((e) => e.data.quantity)
        .sort((a, b) => a - b),
    ).toEqual([10, 20]);
    // Whichever of the concurrent two came first, each event's stock is the one before it plus its units.
    events.slice(1).forEach((e, i) => expect(e.data.stock).toBe(events[i]!.data.stock + e.data.quantity));
    expect(events.slice(1).every((e) => e.correlationId !== 'seed' && e.causationId === null)).toBe(true);
  });

  it('given an ADMIN, when a product without a stock row is restocked, then the row is created', async () => {
    const id = await newKnownProduct(inventory);
    const result = await call(RESTOCK, { input: { productId: id.toUpperCase(), quantity: 7 } }, admin);
    expect(result.data.restock.product).toEqual({ id, stock: 7, inStock: true });
    expect((await restockedEvents()).filter((e) => e.aggregateId === id).map((e) => [e.aggregateVersion, e.data])).toEqual([
      [1, { productId: id, quantity: 7, stock: 7 }],
    ]);
  });

  it('refuses a restock past the stock ceiling with CONFLICT and leaves the stock alone', async () => {
    const id = await newKnownProduct(inventory);
    await inventory.db.query('insert into inventory.stock (product_id, quantity, updated_at) values ($1, $2, $3)', [id, 999_999_999, NOW]);
    const result = await call(RESTOCK, { input: { productId: id, quantity: 2 } }, admin);
    expect(result.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await call(ENTITIES, { r: [ref(id)] })).data._entities[0].stock).toBe(999_999_999);
    expect((await restockedEvents()).filter((e) => e.aggregateId === id)).toEqual([]);
  });

  it('given an ADMIN and a product id no ProductCreated named, then restock is NOT_FOUND naming input.productId and writes nothing', async () => {
    const id = newId();
    const count = async (sql: string) => Number((await inventory.db.query<{ n: string }>(sql))[0]!.n);
    const stockRows = await count('select count(*) as n from inventory.stock');
    const events = await count('select count(*) as n from inventory.outbox');
    const result = await call(RESTOCK, { input: { productId: id, quantity: 3 } }, admin);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'input.productId' });
    expect(result.errors?.[0]?.message).toContain(id);
    expect(result.data).toBeNull();
    expect(await count('select count(*) as n from inventory.stock')).toBe(stockRows);
    expect(await count('select count(*) as n from inventory.outbox')).toBe(events);
    // Once products' ProductCreated for it has been handled, the same restock succeeds.
    await createProducts(inventory, [{ id }]);
    expect((await call(RESTOCK, { input: { productId: id, quantity: 3 } }, admin)).data.restock.product).toEqual({ id, stock: 3, inStock: true });
  });

  it('seeds stock through the outbox: one StockRestocked per product in stock, at its seeded time', async () => {
    const seeded = (await restockedEvents()).filter((e) => e.correlationId === 'seed');
    const inStock = SEED_PRODUCTS.filter((p) => p.stock > 0);
    expect(seeded.map((e) => [e.aggregateId, e.aggregateVersion, e.data, e.occurredAt])).toEqual(
      inStock.map((p) => [p.id, 1, { productId: p.id, quantity: p.stock, stock: p.stock }, p.createdAt.toISOString()]),
    );
  });

  it.each([
    ['anonymous', undefined, 'UNAUTHENTICATED'],
    ['a customer', alice, 'FORBIDDEN'],
  ])('given %s caller, then restock is refused with %s', async (_, as, code) => {
    const result = await call(RESTOCK, { input: { productId: SEED_PRODUCTS[0]!.id, quantity: 1 } }, as);
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
    expect(result.data).toBeNull();
  });

  it.each([
    [{ productId: 'nope', quantity: 1 }, 'input.productId'],
    [{ productId: SEED_PRODUCTS[0]!.id, quantity: 0 }, 'input.quantity'],
    [{ productId: SEED_PRODUCTS[0]!.id, quantity: 100_001 }, 'input.quantity'],
  ])('given an ADMIN and input %j, then restock is BAD_USER_INPUT naming %s', async (input, field) => {
    const result = await call(RESTOCK, { input }, admin);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  describe('Subscription.stockChanged (graphql-ws)', () => {
    const STOCK_CHANGED = `subscription($productId: ID!, $after: String) {
      stockChanged(productId: $productId, after: $after) { cursor stock change reason occurredAt product { id stock inStock } } }`;
    const restockBy = async (productId: string, quantity: number) =>
      expect((await call(RESTOCK, { input: { productId, quantity } }, admin)).errors).toBeUndefined();
    /** An orders event on the bus, as orders' relay would publish it: inventory's reservations consumer answers it. */
    const publishOrderEvent = (orderId: string, version: number, type: 'OrderPlaced' | 'OrderCancelled', productId: string, quantity: number) =>
      inventory.bus.publish({
        eventId: newId(),
        domain: 'orders',
        type,
        aggregateId: orderId,
        aggregateVersion: version,
        occurredAt: NOW.toISOString(),
        correlationId: `request-${orderId}`,
        causationId: null,
        data:
          type === 'OrderPlaced'
            ? {
                customerId: alice.userId,
                lines: [{ productId, quantity, unitPrice: { amount: 100, currency: 'USD' } }],
                total: { amount: 100 * quantity, currency: 'USD' },
              }
            : { customerId: alice.userId, previousStatus: 'CONFIRMED', lines: [{ productId, quantity }] },
      });
    const changesOf = (results: ReadonlyArray<{ data?: any }>) =>
      results.map((r) => [r.data.stockChanged.reason, r.data.stockChanged.change, r.data.stockChanged.stock]);

    it('given an anonymous subscriber, when the product is restocked, reserved for an order and released, then each change arrives in order, and other products’ do not', async () => {
      const product = await newKnownProduct(inventory);
      const other = await newKnownProduct(inventory);
      const subscription = await inventory.subscribe(STOCK_CHANGED, { productId: product.toUpperCase() });
      expect(subscription.errors).toBeUndefined();
      await restockBy(other, 2);
      await restockBy(product, 5);
      const order = newId();
      await publishOrderEvent(order, 1, 'OrderPlaced', product, 2);
      await restockBy(other, 1);
      await publishOrderEvent(order, 3, 'OrderCancelled', product, 2);
      await inventory.subgraph.drainOutbox();
      const results = await subscription.take(3);
      expect(changesOf(results)).toEqual([
        ['RESTOCKED', 5, 5],
        ['RESERVED', -2, 3],
        ['RELEASED', 2, 5],
      ]);
      expect(results.every((r) => r.errors === undefined)).toBe(true);
      expect(results[0]!.data.stockChanged.product.id).toBe(product);
      // Stamped by the outbox's clock (this suite leaves it the system's).
      expect(new Date(results[0]!.data.stockChanged.occurredAt).toISOString()).toBe(results[0]!.data.stockChanged.occurredAt);
      // `product` is the product as it is when the change is delivered; after the last change, that is its stock.
      expect(results[2]!.data.stockChanged.product).toEqual({ id: product, stock: 5, inStock: true });
      expect(new Set(results.map((r) => r.data.stockChanged.cursor)).size).toBe(3);
      await subscription.unsubscribe();
    });

    it('given the cursor of the last change seen, when the subscriber comes back, then it gets exactly the changes it missed, then live ones', async () => {
      const product = await newKnownProduct(inventory);
      const first = await inventory.subscribe(STOCK_CHANGED, { productId: product });
      await restockBy(product, 1);
      const [seen] = await first.take(1);
      await first.disconnect();
      for (const quantity of [2, 3, 4]) await restockBy(product, quantity);
      await inventory.subgraph.drainOutbox();
      const again = await inventory.subscribe(STOCK_CHANGED, { productId: product, after: seen!.data.stockChanged.cursor });
      expect(changesOf(await again.take(3))).toEqual([
        ['RESTOCKED', 2, 3],
        ['RESTOCKED', 3, 6],
        ['RESTOCKED', 4, 10],
      ]);
      await restockBy(product, 5);
      await inventory.subgraph.drainOutbox();
      // The next one is the live change: nothing was repeated before it.
      expect(changesOf(await again.take(4))[3]).toEqual(['RESTOCKED', 5, 15]);
      expect(again.results).toHaveLength(4);
      await again.unsubscribe();
    });

    it('stops watching the bus when the client unsubscribes, and when it goes away', async () => {
      const before = liveWatchCount();
      const unsubscribing = await inventory.subscribe(STOCK_CHANGED, { productId: newId() });
      const leaving = await inventory.subscribe(STOCK_CHANGED, { productId: newId() });
      expect(liveWatchCount()).toBe(before + 2);
      // Each waits until the count falls: `complete` on an open socket, then a closed socket.
      await unsubscribing.unsubscribe();
      expect(liveWatchCount()).toBe(before + 1);
      await leaving.disconnect();
      expect(liveWatchCount()).toBe(before);
    });

    it.each([
      ['a malformed productId', { productId: 'nope' }, 'productId'],
      ['a malformed cursor', { productId: SEED_PRODUCTS[0]!.id, after: 'not-a-cursor' }, 'after'],
      ['a cursor of another stream', { productId: SEED_PRODUCTS[0]!.id, after: encodeEventCursor('orders', 1) }, 'after'],
    ])('refuses %s with BAD_USER_INPUT naming the argument, before watching anything', async (_, variables, field) => {
      const before = liveWatchCount();
      const subscription = await inventory.subscribe(STOCK_CHANGED, variables);
      expect(subscription.ended).toBe(true);
      expect(subscription.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field } })]);
      expect(subscription.errors![0]!.message).toContain(field);
      expect(liveWatchCount()).toBe(before);
    });

    it('refuses queries over WebSocket: they belong to HTTP', async () => {
      const subscription = await inventory.subscribe(ENTITIES, { r: [ref(SEED_PRODUCTS[0]!.id)] });
      expect(subscription.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
      expect(subscription.errors![0]!.message).toMatch(/Only subscriptions .* HTTP/);
    });
  });
});
