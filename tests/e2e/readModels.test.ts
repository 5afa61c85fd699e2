import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { rebuildProjections, PROJECTIONS } from '../../rebuildProjections';

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
      await t.queryOk(`mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }`, { input: { productId: SEED_PRODUCTS[index]!.id, rating, body: 'Read model test.' } }, token);
    }
    await t.queryOk(`mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`, { input: { lines: [{ productId: SEED_PRODUCTS[1]!.id, quantity: 1 }] } }, alice);
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
});
