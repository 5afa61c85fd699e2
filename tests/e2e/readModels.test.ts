import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { rebuildProjections, PROJECTIONS } from '../../tools/rebuildProjections';

/** CQRS read models: they agree with the write side, and a rebuild from the log reproduces them exactly. */
describe(`read models (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
    const bob = await t.logIn('bob@example.com', 'bob-password');
    const alice = await t.logIn('alice@example.com', 'alice-password');
    // Some traffic beyond the seed: reviews and an order.
    for (const [token, index, rating] of [
      [bob, 4, 5],
      [alice, 4, 2],
      [bob, 9, 3],
    ] as const) {
      await t.queryOk(
        `mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }`,
        { input: { productId: SEED_PRODUCTS[index]!.id, rating, body: 'Read model test.' } },
        token,
      );
    }
    await t.queryOk(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`,
      { input: { lines: [{ productId: SEED_PRODUCTS[1]!.id, quantity: 1 }] } },
      alice,
    );
    await t.settle();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers Product.rating as computed from the reviews actually stored', async () => {
    const db = t.storage.database('check');
    const stored = await db.query<{ product_id: string; rating: number }>('select product_id::text, rating from reviews.reviews');
    const data = await t.queryOk(`{ products(first: 100) { edges { node { id rating { average count distribution { rating count } } } } } }`);
    for (const { node } of data.products.edges) {
      const ratings = stored.filter((r) => r.product_id === node.id).map((r) => r.rating);
      expect(node.rating.count).toBe(ratings.length);
      if (ratings.length) expect(node.rating.average).toBeCloseTo(ratings.reduce((a, b) => a + b, 0) / ratings.length, 10);
      else expect(node.rating.average).toBeNull();
      expect(node.rating.distribution).toEqual([1, 2, 3, 4, 5].map((r) => ({ rating: r, count: ratings.filter((x) => x === r).length })));
    }
  });

  it('rebuilds every projection from the log to exactly the live rows', async () => {
    const db = t.storage.database('check');
    const tables: Record<string, string> = { orderHistory: 'orders.order_history', unitsSold: 'orders.units_sold', ratingSummary: 'reviews.rating_summary' };
    expect([...PROJECTIONS.keys()].sort()).toEqual(Object.keys(tables).sort());
    const snapshot = async () => {
      const rows: Record<string, unknown[]> = {};
      for (const [name, table] of Object.entries(tables)) rows[name] = await db.query(`select * from ${table} order by 1, 2`);
      return rows;
    };
    const live = await snapshot();
    expect(live.orderHistory!.length).toBeGreaterThan(0);
    expect(live.ratingSummary!.length).toBeGreaterThan(0);
    const results = await rebuildProjections(t.storage, [...PROJECTIONS.keys()]);
    expect(results.every((r) => r.applied > 0)).toBe(true);
    expect(await snapshot()).toEqual(live);
  });

  describe('rebuilt through the running stack (admin mutations)', () => {
    /** Each read model by the mutation that rebuilds it, with its enum value, projection and table. */
    const readModels = [
      {
        mutation: 'rebuildOrdersReadModel',
        input: 'RebuildOrdersReadModelInput',
        name: 'ORDER_HISTORY',
        projection: 'orderHistory',
        table: 'orders.order_history',
      },
      { mutation: 'rebuildOrdersReadModel', input: 'RebuildOrdersReadModelInput', name: 'UNITS_SOLD', projection: 'unitsSold', table: 'orders.units_sold' },
      {
        mutation: 'rebuildReviewsReadModel',
        input: 'RebuildReviewsReadModelInput',
        name: 'RATING_SUMMARY',
        projection: 'ratingSummary',
        table: 'reviews.rating_summary',
      },
    ];
    const rebuild = (model: (typeof readModels)[number], token?: string) =>
      t.query(`mutation($input: ${model.input}!) { ${model.mutation}(input: $input) { name eventsReplayed } }`, { input: { name: model.name } }, token);
    const rows = (table: string) => t.storage.database('check').query(`select * from ${table} order by 1, 2`);
    /** Events of the projection's types in its subgraph's log: what a rebuild replays. */
    const eventsOf = async (projection: string) => {
      const { schema, projection: p } = PROJECTIONS.get(projection)!;
      const [row] = await t.storage
        .database('check')
        .query<{ n: string }>(`select count(*) as n from ${schema}.outbox where type = any($1::text[])`, [p.types]);
      return Number(row!.n);
    };

    it('covers every projection', () => {
      expect(readModels.map((m) => m.projection).sort()).toEqual([...PROJECTIONS.keys()].sort());
    });

    it('given an ADMIN, when each read model is rebuilt while the stack serves traffic, then it equals the live rows and counts the events replayed', async () => {
      const admin = await t.logIn('admin@example.com', 'admin-password');
      const alice = await t.logIn('alice@example.com', 'alice-password');
      await t.settle();
      for (const model of readModels) {
        const live = await rows(model.table);
        expect(live.length).toBeGreaterThan(0);
        // Reads go on meanwhile: the stack is running, nothing was stopped for the rebuild.
        const [result, reading] = await Promise.all([rebuild(model, admin), t.query('{ me { orders(first: 5) { totalCount } } }', undefined, alice)]);
        expect(reading.errors).toBeUndefined();
        expect(result.errors).toBeUndefined();
        expect(result.data[model.mutation]).toEqual({ name: model.name, eventsReplayed: await eventsOf(model.projection) });
        expect(await rows(model.table)).toEqual(live);
      }
      // The live projections go on after the rebuild: a new review still reaches the rating.
      const bob = await t.logIn('bob@example.com', 'bob-password');
      const product = SEED_PRODUCTS[14]!.id;
      const before = (await t.queryOk(`query($id: ID!) { product(id: $id) { rating { count } } }`, { id: product })).product.rating.count;
      await t.queryOk(
        `mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }`,
        { input: { productId: product, rating: 4, body: 'After the rebuild.' } },
        bob,
      );
      await t.settle();
      expect((await t.queryOk(`query($id: ID!) { product(id: $id) { rating { count } } }`, { id: product })).product.rating.count).toBe(before + 1);
    });

    /** Read models fed by the products stream, by the mutation that rebuilds them, with their table and the products events they read. */
    const streamModels = [
      {
        mutation: 'rebuildOrdersReadModel',
        input: 'RebuildOrdersReadModelInput',
        name: 'PRODUCT_PRICES',
        table: 'orders.product_prices',
        types: ['ProductCreated', 'ProductPriceChanged'],
      },
      {
        mutation: 'rebuildReviewsReadModel',
        input: 'RebuildReviewsReadModelInput',
        name: 'KNOWN_PRODUCTS',
        table: 'reviews.known_products',
        types: ['ProductCreated'],
      },
      {
        mutation: 'rebuildInventoryReadModel',
        input: 'RebuildInventoryReadModelInput',
        name: 'KNOWN_PRODUCTS',
        table: 'inventory.known_products',
        types: ['ProductCreated'],
      },
    ];

    it('given an ADMIN, when a read model fed by the products stream is damaged and rebuilt, then it equals the live rows again and counts the events replayed', async () => {
      const admin = await t.logIn('admin@example.com', 'admin-password');
      const alice = await t.logIn('alice@example.com', 'alice-password');
      // A price change, so the rebuilt prices must come from the latest event, not the first.
      const product = SEED_PRODUCTS[3]!;
      await t.queryOk(
        `mutation($input: UpdateProductPriceInput!) { updateProductPrice(input: $input) { product { id } } }`,
        { input: { productId: product.id, price: { amount: product.priceAmount + 100, currency: product.currency } } },
        admin,
      );
      await t.settle();
      const db = t.storage.database('check');
      for (const model of streamModels) {
        const live = await rows(model.table);
        expect(live.length).toBeGreaterThanOrEqual(SEED_PRODUCTS.length);
        await db.query(`delete from ${model.table} where ctid in (select ctid from ${model.table} limit 5)`);
        const [events] = await db.query<{ n: string }>(`select count(*) as n from products.outbox where type = any($1::text[])`, [model.types]);
        const result = await rebuild({ ...model, projection: '' }, admin);
        expect(result.errors).toBeUndefined();
        expect(result.data[model.mutation]).toEqual({ name: model.name, eventsReplayed: Number(events!.n) });
        expect(await rows(model.table)).toEqual(live);
      }
      // An order placed after the rebuild is charged the changed price.
      const placed = await t.queryOk(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { total { amount } } } }`,
        { input: { lines: [{ productId: product.id, quantity: 1 }] } },
        alice,
      );
      expect(placed.placeOrder.order.total.amount).toBe(product.priceAmount + 100);
      // Its saga runs on; the next case compares read models at rest.
      await t.settle();
    });

    it.each([
      ['a customer', 'alice@example.com', 'alice-password', 'FORBIDDEN'],
      ['an anonymous caller', undefined, undefined, 'UNAUTHENTICATED'],
    ])('given %s, then every rebuild is refused with %s and the read model is untouched', async (_, email, password, code) => {
      const token = email ? await t.logIn(email, password) : undefined;
      for (const model of readModels) {
        const live = await rows(model.table);
        const result = await rebuild(model, token);
        expect({ mutation: model.mutation, data: result.data, code: result.errors?.[0]?.extensions?.code }).toEqual({
          mutation: model.mutation,
          data: null,
          code,
        });
        expect(await rows(model.table)).toEqual(live);
      }
    });
  });
});
