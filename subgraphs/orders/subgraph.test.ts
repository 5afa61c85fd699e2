import { testStorageKind } from '../../tests/support/testStorage';
import type { GraphQLResponse } from '../../tests/support/graphqlClient';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../../tests/support/subgraphHarness';
import type { Identity } from '../../platform/auth/identity';
import { SEED_ORDERS, SEED_PRODUCTS, SEED_USERS } from '../../platform/seedData';
import { newId } from '../../platform/ids';
import { productsSubgraph } from '../products/subgraph';
import { ordersSubgraph } from './subgraph';
import { subgraphProductCatalog } from './productCatalog';

const NOW = new Date('2026-03-01T09:30:00.000Z');
const admin: Identity = { userId: SEED_USERS[0]!.id, role: 'ADMIN' };
const alice: Identity = { userId: SEED_USERS[1]!.id, role: 'CUSTOMER' };
const bob: Identity = { userId: SEED_USERS[2]!.id, role: 'CUSTOMER' };
const [aliceConfirmed, aliceCancelled, bobConfirmed] = SEED_ORDERS as [(typeof SEED_ORDERS)[number], (typeof SEED_ORDERS)[number], (typeof SEED_ORDERS)[number]];

const ORDER = `query($id: ID!) { order(id: $id) { id status placedAt customer { id } total { amount currency }
  lines { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } } } }`;
const ORDER_ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status lines { quantity } } } }`;
const USER_ORDERS = `query($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) { ... on User { id
  orders(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id status } } } } } }`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status placedAt customer { id } total { amount currency }
  lines { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } } } } }`;
const CANCEL = `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { id status } } }`;

/**
 * The orders subgraph over HTTP, called as the gateway would call it, beside
 * a real products subgraph on the SAME storage pool (as in the embedded
 * stack), which it asks for prices.
 */
describe(`orders subgraph (${testStorageKind()})`, () => {
  let products: SubgraphUnderTest;
  let orders: SubgraphUnderTest;

  beforeAll(async () => {
    products = await startSubgraphUnderTest('products', (db, outbox) => productsSubgraph({ db, outbox, clock: { now: () => NOW } }));
    orders = await startSubgraphUnderTest(
      'orders',
      (db, outbox) => ordersSubgraph({ db, outbox, clock: { now: () => NOW }, catalog: subgraphProductCatalog(products.url) }),
      { beside: products },
    );
  });
  afterAll(async () => {
    await orders?.stop();
    await products?.stop();
  });

  const ask = (query: string, variables: Record<string, unknown>, as?: Identity) => orders.run(query, variables, as);
  const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;
  const userRef = (id: string) => ({ __typename: 'User', id });

  describe('order(id)', () => {
    it('given the customer, then the seeded order reads back with its captured prices', async () => {
      const result = await ask(ORDER, { id: aliceConfirmed.id }, alice);
      expect(result.errors).toBeUndefined();
      const total = aliceConfirmed.lines.reduce((sum, line) => sum + line.unitPriceAmount * line.quantity, 0);
      expect(result.data.order).toEqual({
        id: aliceConfirmed.id,
        status: 'CONFIRMED',
        placedAt: aliceConfirmed.placedAt.toISOString(),
        customer: { id: alice.userId },
        total: { amount: total, currency: 'USD' },
        lines: aliceConfirmed.lines.map((line) => ({
          product: { id: line.productId },
          quantity: line.quantity,
          unitPrice: { amount: line.unitPriceAmount, currency: line.currency },
          lineTotal: { amount: line.unitPriceAmount * line.quantity, currency: line.currency },
        })),
      });
    });

    it('given an ADMIN, then any order is visible', async () => {
      expect((await ask(ORDER, { id: bobConfirmed.id }, admin)).data.order.id).toBe(bobConfirmed.id);
    });

    it('given another customer, then it is FORBIDDEN', async () => {
      const result = await ask(ORDER, { id: aliceConfirmed.id }, bob);
      expect(codeOf(result)).toBe('FORBIDDEN');
      expect(result.data.order).toBeNull();
    });

    it('given an anonymous caller, then it is UNAUTHENTICATED', async () => {
      expect(codeOf(await ask(ORDER, { id: aliceConfirmed.id }))).toBe('UNAUTHENTICATED');
    });

    it('given an id with no order, or no id at all, then it is null without an error', async () => {
      for (const id of [newId(), 'not-a-uuid']) {
        const result = await ask(ORDER, { id }, alice);
        expect(result.errors).toBeUndefined();
        expect(result.data.order).toBeNull();
      }
    });
  });

  describe('Order references', () => {
    it('resolve only the orders the caller may see, and load all their lines in two statements', async () => {
      const r = SEED_ORDERS.map((order) => ({ __typename: 'Order', id: order.id }));
      const { result, statements } = await orders.counting(() => ask(ORDER_ENTITIES, { r }, alice));
      expect(result.errors).toBeUndefined();
      expect(result.data._entities).toEqual([
        { id: aliceConfirmed.id, status: 'CONFIRMED', lines: aliceConfirmed.lines.map((l) => ({ quantity: l.quantity })) },
        { id: aliceCancelled.id, status: 'CANCELLED', lines: [{ quantity: 1 }] },
        null,
      ]);
      expect(statements).toHaveLength(2);
      expect((await ask(ORDER_ENTITIES, { r })).data._entities).toEqual([null, null, null]);
    });
  });

  describe('User.orders', () => {
    it('given the customer, then pages of their orders come newest first', async () => {
      const first = await ask(USER_ORDERS, { r: [userRef(alice.userId)], first: 1 }, alice);
      expect(first.errors).toBeUndefined();
      const page1 = first.data._entities[0].orders;
      expect(page1.totalCount).toBe(2);
      expect(page1.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([aliceCancelled.id]);
      expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const second = await ask(USER_ORDERS, { r: [userRef(alice.userId)], first: 1, after: page1.pageInfo.endCursor }, alice);
      const page2 = second.data._entities[0].orders;
      expect(page2.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([aliceConfirmed.id]);
      expect(page2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it('given an ADMIN and many users, then their pages load in one statement', async () => {
      const r = [userRef(alice.userId), userRef(bob.userId), userRef(newId())];
      const { result, statements } = await orders.counting(() => ask(USER_ORDERS, { r }, admin));
      expect(result.errors).toBeUndefined();
      expect(result.data._entities.map((u: { orders: { totalCount: number } }) => u.orders.totalCount)).toEqual([2, 1, 0]);
      expect(statements).toHaveLength(1);
    });

    it('given someone else, then it is null with FORBIDDEN; given nobody, UNAUTHENTICATED', async () => {
      const other = await ask(USER_ORDERS, { r: [userRef(alice.userId)] }, bob);
      expect(codeOf(other)).toBe('FORBIDDEN');
      expect(other.data._entities[0].orders).toBeNull();
      expect(codeOf(await ask(USER_ORDERS, { r: [userRef(alice.userId)] }))).toBe('UNAUTHENTICATED');
    });

    it('given a bad page argument, then it is BAD_USER_INPUT naming it', async () => {
      const result = await ask(USER_ORDERS, { r: [userRef(alice.userId)], first: 101 }, alice);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    });
  });

  describe('placeOrder', () => {
    it('given a customer, then the order is PENDING, priced from the catalog, and stored whole', async () => {
      const [p, q] = [SEED_PRODUCTS[6]!, SEED_PRODUCTS[11]!];
      const result = await ask(PLACE, { input: { lines: [{ productId: p.id, quantity: 2 }, { productId: q.id.toUpperCase(), quantity: 1 }] } }, bob);
      expect(result.errors).toBeUndefined();
      const order = result.data.placeOrder.order;
      expect(order).toMatchObject({
        status: 'PENDING',
        placedAt: NOW.toISOString(),
        customer: { id: bob.userId },
        total: { amount: p.priceAmount * 2 + q.priceAmount, currency: 'USD' },
        lines: [
          { product: { id: p.id }, quantity: 2, unitPrice: { amount: p.priceAmount, currency: 'USD' }, lineTotal: { amount: p.priceAmount * 2, currency: 'USD' } },
          { product: { id: q.id }, quantity: 1, unitPrice: { amount: q.priceAmount, currency: 'USD' }, lineTotal: { amount: q.priceAmount, currency: 'USD' } },
        ],
      });
      // What was written reads back the same through a fresh request.
      expect((await ask(ORDER, { id: order.id }, bob)).data.order).toEqual(order);
    });

    it('keeps the captured unit price when the catalog price changes later', async () => {
      const p = SEED_PRODUCTS[13]!;
      const placed = (await ask(PLACE, { input: { lines: [{ productId: p.id, quantity: 1 }] } }, alice)).data.placeOrder.order;
      const reprice = await products.run(
        'mutation($input: UpdateProductPriceInput!) { updateProductPrice(input: $input) { product { id } } }',
        { input: { productId: p.id, price: { amount: p.priceAmount + 1000, currency: 'USD' } } },
        admin,
      );
      expect(reprice.errors).toBeUndefined();
      expect((await ask(ORDER, { id: placed.id }, alice)).data.order.lines[0].unitPrice.amount).toBe(p.priceAmount);
      const again = (await ask(PLACE, { input: { lines: [{ productId: p.id, quantity: 1 }] } }, alice)).data.placeOrder.order;
      expect(again.lines[0].unitPrice.amount).toBe(p.priceAmount + 1000);
    });

    it('given lines in two currencies, then it is BAD_USER_INPUT naming input.lines and nothing is stored', async () => {
      const created = await products.run(
        'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }',
        { input: { sku: 'EUR-0001', name: 'Euro Thing', price: { amount: 900, currency: 'EUR' }, weightGrams: 10, category: 'home' } },
        admin,
      );
      const euroId = created.data.createProduct.product.id;
      const count = async () => Number((await orders.db.query<{ n: string }>('select count(*) as n from orders.orders'))[0]!.n);
      const before = await count();
      const result = await ask(PLACE, { input: { lines: [{ productId: SEED_PRODUCTS[0]!.id, quantity: 1 }, { productId: euroId, quantity: 1 }] } }, alice);
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.lines' });
      expect(await count()).toBe(before);
      // On its own the euro product is fine.
      expect((await ask(PLACE, { input: { lines: [{ productId: euroId, quantity: 3 }] } }, alice)).data.placeOrder.order.total).toEqual({
        amount: 2700,
        currency: 'EUR',
      });
    });

    it.each([
      ['no lines', [], 'input.lines'],
      ['a quantity of 0', [{ productId: SEED_PRODUCTS[0]!.id, quantity: 0 }], 'input.lines.0.quantity'],
      ['a malformed id', [{ productId: SEED_PRODUCTS[0]!.id, quantity: 1 }, { productId: 'nope', quantity: 1 }], 'input.lines.1.productId'],
      ['a repeated product', [{ productId: SEED_PRODUCTS[0]!.id, quantity: 1 }, { productId: SEED_PRODUCTS[0]!.id, quantity: 1 }], 'input.lines.1.productId'],
      ['an unknown product', [{ productId: SEED_PRODUCTS[0]!.id, quantity: 1 }, { productId: '00000000-0000-4000-8000-000000000000', quantity: 1 }], 'input.lines.1.productId'],
    ])('given %s, then it is BAD_USER_INPUT naming %s', async (_, lines, field) => {
      const result = await ask(PLACE, { input: { lines } }, alice);
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(result.data).toBeNull();
    });

    it('given an anonymous caller, then it is UNAUTHENTICATED', async () => {
      expect(codeOf(await ask(PLACE, { input: { lines: [{ productId: SEED_PRODUCTS[0]!.id, quantity: 1 }] } }))).toBe('UNAUTHENTICATED');
    });
  });

  describe('cancelOrder', () => {
    const place = async (as: Identity) =>
      (await ask(PLACE, { input: { lines: [{ productId: SEED_PRODUCTS[20]!.id, quantity: 1 }] } }, as)).data.placeOrder.order.id as string;

    it('given the customer and a PENDING order, then it is CANCELLED once, and a second cancel is a CONFLICT', async () => {
      const id = await place(alice);
      expect((await ask(CANCEL, { input: { orderId: id } }, alice)).data.cancelOrder.order).toEqual({ id, status: 'CANCELLED' });
      const again = await ask(CANCEL, { input: { orderId: id } }, alice);
      expect(again.errors?.[0]).toMatchObject({
        message: 'Only a PENDING or CONFIRMED order can be cancelled; this order is CANCELLED.',
        extensions: { code: 'CONFLICT' },
      });
    });

    it('given an ADMIN and a CONFIRMED order, then it is CANCELLED', async () => {
      expect((await ask(CANCEL, { input: { orderId: bobConfirmed.id } }, admin)).data.cancelOrder.order.status).toBe('CANCELLED');
    });

    it('given a REJECTED order, then it is a CONFLICT stating REJECTED and the row is untouched', async () => {
      const id = await place(bob);
      await orders.db.query("update orders.orders set status = 'REJECTED' where id = $1", [id]);
      expect((await ask(CANCEL, { input: { orderId: id } }, bob)).errors?.[0]?.message).toMatch(/this order is REJECTED/);
      expect((await ask(ORDER, { id }, bob)).data.order.status).toBe('REJECTED');
    });

    it('given another customer, then it is FORBIDDEN and the order stays as it was', async () => {
      const id = await place(alice);
      expect(codeOf(await ask(CANCEL, { input: { orderId: id } }, bob))).toBe('FORBIDDEN');
      expect((await ask(ORDER, { id }, alice)).data.order.status).toBe('PENDING');
    });

    it.each([
      ['an unknown id', newId(), alice, 'NOT_FOUND'],
      ['a malformed id', 'nope', alice, 'BAD_USER_INPUT'],
      ['an anonymous caller', SEED_ORDERS[0]!.id, undefined, 'UNAUTHENTICATED'],
    ])('given %s, then it is %s', async (_, orderId, as, code) => {
      expect(codeOf(await ask(CANCEL, { input: { orderId } }, as))).toBe(code);
    });
  });
});
