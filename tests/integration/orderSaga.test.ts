import { testStorageKind } from '../support/testStorage';
import type { GraphQLResponse } from '../support/graphqlClient';
import { handingBus } from '../support/handingBus';
import { startSubgraphUnderTest, type SubgraphUnderTest } from '../support/subgraphHarness';
import { eventually } from '../support/eventually';
import type { Identity } from '../../platform/auth/identity';
import { SEED_ORDERS, SEED_PRODUCTS, SEED_USERS } from '../../platform/seedData';
import { newId } from '../../platform/ids';
import type { Clock } from '../../platform/clock';
import type { DeliveredEvent } from '../../platform/events/event';
import type { LoggedEvent } from '../../platform/events/outbox';
import { startConsumer } from '../../platform/events/consumer';
import { rebuildProjection } from '../../platform/events/projection';
import { createLogger } from '../../platform/logger';
import type { SubgraphDefinition } from '../../platform/subgraph';
import { inventorySubgraph } from '../../subgraphs/inventory/subgraph';
import type { OrderEvent } from '../../schema/events/orders';
import type { Money } from '../../schema/events/money';
import { ordersSubgraph, type OrdersContext } from '../../subgraphs/orders/subgraph';
import { ordersProjections } from '../../subgraphs/orders/projections';
import { ORDER_SAGA_CONSUMER } from '../../subgraphs/orders/consumers/orderSaga';
import { randomBytes } from 'node:crypto';
import { signGatewayIdentity } from '../../platform/auth/gatewayIdentity';
import { liveWatchCount } from '../../platform/events/watchEvents';

const NOW = new Date('2026-03-01T09:30:00.000Z');
const clock: Clock = { now: () => NOW };
const admin: Identity = { userId: SEED_USERS[0]!.id, role: 'ADMIN' };
const alice: Identity = { userId: SEED_USERS[1]!.id, role: 'CUSTOMER' };
const bob: Identity = { userId: SEED_USERS[2]!.id, role: 'CUSTOMER' };
const [aliceConfirmed, aliceCancelled, bobConfirmed] = SEED_ORDERS as [
  (typeof SEED_ORDERS)[number],
  (typeof SEED_ORDERS)[number],
  (typeof SEED_ORDERS)[number],
];

const ORDER = `query($id: ID!) { order(id: $id) { id status placedAt customer { id } total { amount currency }
  lines { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } } } }`;
const ORDER_ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status lines { quantity } } } }`;
const USER_ORDERS = `query($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) { ... on User { id
  orders(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id status } } } } } }`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status placedAt customer { id } total { amount currency }
  lines { product { id } quantity unitPrice { amount currency } lineTotal { amount currency } } } } }`;
const CANCEL = `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { id status } } }`;
const STATUS = `query($id: ID!) { order(id: $id) { id status rejectionReason } }`;
const UNITS_SOLD = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id unitsSold } } }`;
const STOCK = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id stock } } }`;
const RESTOCK = `mutation($input: RestockInput!) { restock(input: $input) { product { id stock } } }`;

/**
 * The orders subgraph over HTTP, called as the gateway would call it, beside
 * a real inventory subgraph on the SAME storage pool and event bus (as in the
 * embedded stack): the order saga runs between them through events only.
 * Products is played by the test, which publishes its ProductCreated and
 * ProductPriceChanged events to the bus; orders prices lines from them.
 */
describe(`orders subgraph (${testStorageKind()})`, () => {
  let inventory: SubgraphUnderTest;
  let orders: SubgraphUnderTest;
  let definition: SubgraphDefinition<OrdersContext>;
  let productEventsPublished = 0;

  /** Publishes a products event to the shared bus, as the products subgraph's relay would. */
  const publishProductEvent = async (productId: string, version: number, event: { type: string; data: unknown }) => {
    productEventsPublished += 1;
    await orders.bus.publish({
      eventId: newId(),
      domain: 'products',
      aggregateId: productId,
      aggregateVersion: version,
      occurredAt: NOW.toISOString(),
      correlationId: 'test',
      causationId: null,
      ...event,
    });
  };
  /** A new product in the catalog (ProductCreated, version 1), with `stock` units restocked in inventory. */
  const newProduct = async (price: Money, stock = 0): Promise<string> => {
    const id = newId();
    await publishProductEvent(id, 1, {
      type: 'ProductCreated',
      data: { sku: `T-${id.slice(0, 8)}`, name: 'Test product', description: 'A product of the test.', price, weightGrams: 100, category: 'test' },
    });
    if (stock > 0) {
      // Inventory knows the product only once its own consumer (inventory.catalog) has handled the ProductCreated.
      await eventually(
        async () => (await count(`select count(*) as n from inventory.known_products where product_id = '${id}'`)) === 1,
        'inventory to know the new product',
      );
      expect((await inventory.run(RESTOCK, { input: { productId: id, quantity: stock } }, admin)).errors).toBeUndefined();
    }
    return id;
  };
  const count = async (sql: string) => Number((await orders.db.query<{ n: string }>(sql))[0]!.n);
  /**
   * Waits until every event so far has been handled by every consumer down
   * the saga, then brings orders' projections up to date. Counted in causal
   * order, so a later count never misses the effects of an earlier one.
   */
  const settle = async () => {
    await eventually(async () => {
      await orders.subgraph.drainOutbox();
      // By event id, not by count: an inbox may also hold events no outbox here wrote (tests feed some in directly).
      const unreserved = await count(
        "select count(*) as n from orders.outbox o where o.type in ('OrderPlaced', 'OrderCancelled') and not exists (select 1 from inventory.inbox i where i.consumer = 'inventory.reservations' and i.event_id = o.event_id)",
      );
      if (unreserved > 0) return false;
      await inventory.subgraph.drainOutbox();
      const unanswered = await count(
        "select count(*) as n from inventory.outbox o where o.type in ('StockReserved', 'StockReservationRejected') and not exists (select 1 from orders.inbox i where i.consumer = 'orders.saga' and i.event_id = o.event_id)",
      );
      const priced = await count("select count(*) as n from orders.inbox where consumer = 'orders.catalog'");
      return unanswered === 0 && priced >= productEventsPublished;
    }, 'the saga and the catalog have handled every event');
    await orders.subgraph.catchUpProjections();
  };

  beforeAll(async () => {
    inventory = await startSubgraphUnderTest('inventory', (db, outbox, bus) => inventorySubgraph({ db, outbox, bus, clock }), { clock });
    orders = await startSubgraphUnderTest('orders', (db, outbox, bus) => (definition = ordersSubgraph({ db, outbox, bus, clock })), {
      beside: inventory,
      clock,
    });
    for (const p of SEED_PRODUCTS) {
      await publishProductEvent(p.id, 1, {
        type: 'ProductCreated',
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
    // The seeded orders go through the saga like any other.
    await settle();
  });
  afterAll(async () => {
    await orders?.stop();
    await inventory?.stop();
  });

  const ask = (query: string, variables: Record<string, unknown>, as?: Identity) => orders.run(query, variables, as);
  const codeOf = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;
  const userRef = (id: string) => ({ __typename: 'User', id });
  const productRef = (id: string) => ({ __typename: 'Product', id });
  const stockOf = async (productId: string): Promise<number> => (await inventory.run(STOCK, { r: [productRef(productId)] })).data._entities[0].stock;
  const unitsSoldOf = async (productId: string): Promise<number> => (await ask(UNITS_SOLD, { r: [productRef(productId)] })).data._entities[0].unitsSold;
  const statusOf = async (id: string) => (await ask(STATUS, { id }, admin)).data.order;
  const orderEvents = async (orderId: string) =>
    ((await orders.outbox.read(orders.db, 0, 100_000)) as Array<LoggedEvent<OrderEvent>>).filter((e) => e.aggregateId === orderId);
  /** A PENDING order written straight into the write model, for tests that need one to stay PENDING while the saga runs. */
  const arrangePendingOrder = async (customer: Identity): Promise<string> => {
    const id = newId();
    const p = SEED_PRODUCTS[20]!;
    await orders.db.query(
      `insert into orders.orders (id, customer_id, status, total_amount, currency, created_at, updated_at, version) values ($1, $2, 'PENDING', $3, 'USD', $4, $4, 1)`,
      [id, customer.userId, p.priceAmount, NOW],
    );
    await orders.db.query(
      `insert into orders.order_lines (order_id, line_no, product_id, quantity, unit_price_amount, currency) values ($1, 0, $2, 1, $3, 'USD')`,
      [id, p.id, p.priceAmount],
    );
    return id;
  };

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
      // From the order history read model only, never the write model.
      expect(statements[0]).toMatch(/orders\.order_history_pages/);
      expect(statements[0]).not.toMatch(/orders\.orders\b/);
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
      const result = await ask(
        PLACE,
        {
          input: {
            lines: [
              { productId: p.id, quantity: 2 },
              { productId: q.id.toUpperCase(), quantity: 1 },
            ],
          },
        },
        bob,
      );
      expect(result.errors).toBeUndefined();
      const order = result.data.placeOrder.order;
      expect(order).toMatchObject({
        status: 'PENDING',
        placedAt: NOW.toISOString(),
        customer: { id: bob.userId },
        total: { amount: p.priceAmount * 2 + q.priceAmount, currency: 'USD' },
        lines: [
          {
            product: { id: p.id },
            quantity: 2,
            unitPrice: { amount: p.priceAmount, currency: 'USD' },
            lineTotal: { amount: p.priceAmount * 2, currency: 'USD' },
          },
          { product: { id: q.id }, quantity: 1, unitPrice: { amount: q.priceAmount, currency: 'USD' }, lineTotal: { amount: q.priceAmount, currency: 'USD' } },
        ],
      });
      // What was written reads back the same through a fresh request, once inventory has reserved it: CONFIRMED.
      await settle();
      expect((await ask(ORDER, { id: order.id }, bob)).data.order).toEqual({ ...order, status: 'CONFIRMED' });
    });

    it('keeps the captured unit price when the catalog price changes later', async () => {
      const p = SEED_PRODUCTS[13]!;
      const placed = (await ask(PLACE, { input: { lines: [{ productId: p.id, quantity: 1 }] } }, alice)).data.placeOrder.order;
      await publishProductEvent(p.id, 2, {
        type: 'ProductPriceChanged',
        data: { price: { amount: p.priceAmount + 1000, currency: 'USD' }, previousPrice: { amount: p.priceAmount, currency: 'USD' } },
      });
      await settle();
      expect((await ask(ORDER, { id: placed.id }, alice)).data.order.lines[0].unitPrice.amount).toBe(p.priceAmount);
      const again = (await ask(PLACE, { input: { lines: [{ productId: p.id, quantity: 1 }] } }, alice)).data.placeOrder.order;
      expect(again.lines[0].unitPrice.amount).toBe(p.priceAmount + 1000);
    });

    it('given lines in two currencies, then it is BAD_USER_INPUT naming input.lines and nothing is stored', async () => {
      const euroId = await newProduct({ amount: 900, currency: 'EUR' });
      await settle();
      const count = async () => Number((await orders.db.query<{ n: string }>('select count(*) as n from orders.orders'))[0]!.n);
      const before = await count();
      const result = await ask(
        PLACE,
        {
          input: {
            lines: [
              { productId: SEED_PRODUCTS[0]!.id, quantity: 1 },
              { productId: euroId, quantity: 1 },
            ],
          },
        },
        alice,
      );
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
      [
        'a malformed id',
        [
          { productId: SEED_PRODUCTS[0]!.id, quantity: 1 },
          { productId: 'nope', quantity: 1 },
        ],
        'input.lines.1.productId',
      ],
      [
        'a repeated product',
        [
          { productId: SEED_PRODUCTS[0]!.id, quantity: 1 },
          { productId: SEED_PRODUCTS[0]!.id, quantity: 1 },
        ],
        'input.lines.1.productId',
      ],
    ])('given %s, then it is BAD_USER_INPUT naming %s', async (_, lines, field) => {
      const result = await ask(PLACE, { input: { lines } }, alice);
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(result.data).toBeNull();
    });

    it('given a product its price read model does not know, then it is NOT_FOUND naming that line and records nothing', async () => {
      // Earlier tests' sagas may still be appending their events: count from a settled log.
      await settle();
      const ordersBefore = await count('select count(*) as n from orders.orders');
      const eventsBefore = await count('select count(*) as n from orders.outbox');
      const lines = [
        { productId: SEED_PRODUCTS[0]!.id, quantity: 1 },
        { productId: '00000000-0000-4000-8000-000000000000', quantity: 1 },
      ];
      const result = await ask(PLACE, { input: { lines } }, alice);
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'input.lines.1.productId' });
      expect(result.data).toBeNull();
      expect(await count('select count(*) as n from orders.orders')).toBe(ordersBefore);
      expect(await count('select count(*) as n from orders.outbox')).toBe(eventsBefore);
    });

    it('given an anonymous caller, then it is UNAUTHENTICATED', async () => {
      expect(codeOf(await ask(PLACE, { input: { lines: [{ productId: SEED_PRODUCTS[0]!.id, quantity: 1 }] } }))).toBe('UNAUTHENTICATED');
    });
  });

  describe('cancelOrder', () => {
    it('given the customer and a PENDING order, then it is CANCELLED once, and a second cancel is a CONFLICT', async () => {
      const id = await arrangePendingOrder(alice);
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
      // Seeded sold out: inventory rejects it.
      const soldOut = SEED_PRODUCTS[3]!;
      expect(soldOut.stock).toBe(0);
      const id = (await ask(PLACE, { input: { lines: [{ productId: soldOut.id, quantity: 1 }] } }, bob)).data.placeOrder.order.id as string;
      await settle();
      expect((await ask(CANCEL, { input: { orderId: id } }, bob)).errors?.[0]?.message).toMatch(/this order is REJECTED/);
      expect((await ask(ORDER, { id }, bob)).data.order.status).toBe('REJECTED');
    });

    it('given another customer, then it is FORBIDDEN and the order stays as it was', async () => {
      const id = await arrangePendingOrder(alice);
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

  describe('order saga', () => {
    const carol: Identity = { userId: newId(), role: 'CUSTOMER' };
    const place = async (lines: Array<[string, number]>, as: Identity = carol) => {
      const result = await ask(PLACE, { input: { lines: lines.map(([productId, quantity]) => ({ productId, quantity })) } }, as);
      expect(result.errors).toBeUndefined();
      return result.data.placeOrder.order as { id: string; status: string };
    };

    it('given stock for every line, then the order is CONFIRMED through StockReserved, all in one chain of cause', async () => {
      const [a, b] = [await newProduct({ amount: 500, currency: 'USD' }, 5), await newProduct({ amount: 700, currency: 'USD' }, 2)];
      await settle();
      const order = await place([
        [a, 3],
        [b, 2],
      ]);
      expect(order.status).toBe('PENDING');
      await settle();
      expect(await statusOf(order.id)).toEqual({ id: order.id, status: 'CONFIRMED', rejectionReason: null });
      expect([await stockOf(a), await stockOf(b)]).toEqual([2, 0]);
      const [placed, confirmed, ...more] = await orderEvents(order.id);
      expect(more).toEqual([]);
      const [reserved] = (await inventory.outbox.read(inventory.db, 0, 100_000, ['StockReserved'])).filter((e) => e.aggregateId === order.id);
      expect(placed).toMatchObject({ type: 'OrderPlaced', aggregateVersion: 1, causationId: null });
      expect(reserved).toMatchObject({ causationId: placed!.eventId, correlationId: placed!.correlationId });
      expect(confirmed).toMatchObject({
        type: 'OrderConfirmed',
        aggregateVersion: 2,
        causationId: reserved!.eventId,
        correlationId: placed!.correlationId,
        data: {
          customerId: carol.userId,
          lines: [
            { productId: a, quantity: 3 },
            { productId: b, quantity: 2 },
          ],
        },
      });
      expect([await unitsSoldOf(a), await unitsSoldOf(b)]).toEqual([3, 2]);
    });

    it('given a line short of stock, then the order is REJECTED with a reason naming the product, and no stock moves', async () => {
      const [a, b] = [await newProduct({ amount: 500, currency: 'USD' }, 4), await newProduct({ amount: 700, currency: 'USD' }, 1)];
      await settle();
      const order = await place([
        [a, 2],
        [b, 3],
      ]);
      await settle();
      expect(await statusOf(order.id)).toEqual({
        id: order.id,
        status: 'REJECTED',
        rejectionReason: `Not enough stock for 1 product: ${b} (requested 3, available 1).`,
      });
      expect([await stockOf(a), await stockOf(b)]).toEqual([4, 1]);
      expect((await orderEvents(order.id)).map((e) => [e.type, e.aggregateVersion])).toEqual([
        ['OrderPlaced', 1],
        ['OrderRejected', 2],
      ]);
      expect(await unitsSoldOf(a)).toBe(0);
    });

    it('given a CONFIRMED order is cancelled, then inventory puts its units back and units sold goes down again', async () => {
      const a = await newProduct({ amount: 500, currency: 'USD' }, 6);
      await settle();
      const order = await place([[a, 4]]);
      await settle();
      expect([await stockOf(a), await unitsSoldOf(a)]).toEqual([2, 4]);
      const cancelled = await ask(CANCEL, { input: { orderId: order.id } }, carol);
      expect(cancelled.data.cancelOrder.order).toEqual({ id: order.id, status: 'CANCELLED' });
      await settle();
      await eventually(async () => (await stockOf(a)) === 6, 'the stock is released');
      expect(await unitsSoldOf(a)).toBe(0);
      const events = await orderEvents(order.id);
      expect(events.at(-1)).toMatchObject({
        type: 'OrderCancelled',
        aggregateVersion: 3,
        data: { previousStatus: 'CONFIRMED', lines: [{ productId: a, quantity: 4 }] },
      });
    });

    it('given an order cancelled right after it is placed, then whichever way the race goes, no unit stays reserved', async () => {
      const a = await newProduct({ amount: 500, currency: 'USD' }, 3);
      await settle();
      const order = await place([[a, 3]]);
      expect((await ask(CANCEL, { input: { orderId: order.id } }, carol)).data.cancelOrder.order.status).toBe('CANCELLED');
      await settle();
      await eventually(async () => (await stockOf(a)) === 3, 'the stock is back');
      expect((await statusOf(order.id)).status).toBe('CANCELLED');
      expect(await unitsSoldOf(a)).toBe(0);
      // Cancelled is final: a late StockReserved confirms nothing.
      expect((await orderEvents(order.id)).map((e) => e.type).at(-1)).toBe('OrderCancelled');
    });

    it('given the same inventory answer delivered again, then the order is confirmed once', async () => {
      const a = await newProduct({ amount: 500, currency: 'USD' }, 2);
      await settle();
      const order = await place([[a, 1]]);
      await settle();
      const [reserved] = (await inventory.outbox.read(inventory.db, 0, 100_000, ['StockReserved'])).filter((e) => e.aggregateId === order.id);
      // The saga as runSubgraph runs it (startConsumer: inbox and effect in one transaction), fed by hand.
      const hand = handingBus();
      const handle = hand.deliver;
      const saga = definition.consumers!.find((c) => c.name === ORDER_SAGA_CONSUMER)!;
      await startConsumer({ bus: hand.bus, db: orders.db, schema: 'orders', definition: saga, logger: createLogger('test', 'silent') });
      const { position: _position, ...event } = reserved!;
      const delivered: DeliveredEvent = { ...event, sequence: 1 };
      // The very same event again: its inbox row says it was handled.
      await handle(delivered);
      // The same fact under another id (a producer's retry): the order is no longer PENDING, so nothing is decided.
      await handle({ ...delivered, eventId: newId() });
      expect((await orderEvents(order.id)).map((e) => e.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
      expect(await statusOf(order.id)).toMatchObject({ status: 'CONFIRMED' });
      expect(await unitsSoldOf(a)).toBe(1);
    });

    it('given 20 orders of one unit at once for a product with 5 on hand, then exactly 5 are CONFIRMED and 15 REJECTED, and stock ends at 0', async () => {
      const a = await newProduct({ amount: 100, currency: 'USD' }, 5);
      await settle();
      const customers = Array.from({ length: 20 }, (): Identity => ({ userId: newId(), role: 'CUSTOMER' }));
      const placed = await Promise.all(customers.map((customer) => place([[a, 1]], customer)));
      expect(placed.every((order) => order.status === 'PENDING')).toBe(true);
      await settle();
      const statuses = await Promise.all(placed.map(async (order) => (await statusOf(order.id)).status as string));
      expect(statuses.filter((s) => s === 'CONFIRMED')).toHaveLength(5);
      expect(statuses.filter((s) => s === 'REJECTED')).toHaveLength(15);
      expect(await stockOf(a)).toBe(0);
      expect(await unitsSoldOf(a)).toBe(5);
    });
  });

  describe('read models', () => {
    it("User.orders reads the order history: a new order shows once the projection has it, with the saga's outcome", async () => {
      const dave: Identity = { userId: newId(), role: 'CUSTOMER' };
      const a = await newProduct({ amount: 250, currency: 'USD' }, 1);
      await settle();
      const first = (await ask(PLACE, { input: { lines: [{ productId: a, quantity: 1 }] } }, dave)).data.placeOrder.order;
      const second = (await ask(PLACE, { input: { lines: [{ productId: a, quantity: 1 }] } }, dave)).data.placeOrder.order;
      await settle();
      // Both outcomes in the write model first, then the projection brought up to them.
      await eventually(async () => (await statusOf(first.id)).status !== 'PENDING' && (await statusOf(second.id)).status !== 'PENDING', 'both orders decided');
      await orders.subgraph.catchUpProjections();
      const page = (await ask(USER_ORDERS, { r: [userRef(dave.userId)] }, dave)).data._entities[0].orders;
      expect(page.totalCount).toBe(2);
      // The first took the one unit in stock; the second found none.
      const byStatus = Object.fromEntries(page.edges.map((e: { node: { id: string; status: string } }) => [e.node.id, e.node.status]));
      expect(byStatus).toEqual({ [first.id]: 'CONFIRMED', [second.id]: 'REJECTED' });
      // The history holds no lines; the nodes still resolve them, and everything else, as Order.
      const full = await ask(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { edges { node { id status total { amount } lines { quantity product { id } } rejectionReason placedAt } } } } } }`,
        { r: [userRef(dave.userId)] },
        dave,
      );
      expect(full.errors).toBeUndefined();
      expect(full.data._entities[0].orders.edges.map((e: { node: unknown }) => e.node)).toEqual(
        expect.arrayContaining([
          {
            id: first.id,
            status: 'CONFIRMED',
            total: { amount: 250 },
            lines: [{ quantity: 1, product: { id: a } }],
            rejectionReason: null,
            placedAt: NOW.toISOString(),
          },
          {
            id: second.id,
            status: 'REJECTED',
            total: { amount: 250 },
            lines: [{ quantity: 1, product: { id: a } }],
            rejectionReason: `Not enough stock for 1 product: ${a} (requested 1, available 0).`,
            placedAt: NOW.toISOString(),
          },
        ]),
      );
    });

    it('Product.unitsSold answers any number of products with one statement: 0 for none sold, null for a malformed id', async () => {
      const seededSold = SEED_PRODUCTS[0]!;
      const r = [productRef(seededSold.id), productRef(newId()), productRef('nope')];
      const { result, statements } = await orders.counting(() => ask(UNITS_SOLD, { r }));
      expect(result.errors).toBeUndefined();
      // Seeded order 0 holds one unit of product 0 and was confirmed by the saga.
      expect(result.data._entities).toEqual([{ id: seededSold.id, unitsSold: 1 }, { id: r[1]!.id, unitsSold: 0 }, null]);
      expect(statements).toHaveLength(1);
    });

    it('given an older price delivered after a newer one, then the newer price stays', async () => {
      const a = await newProduct({ amount: 1000, currency: 'USD' });
      await publishProductEvent(a, 3, {
        type: 'ProductPriceChanged',
        data: { price: { amount: 1300, currency: 'USD' }, previousPrice: { amount: 1200, currency: 'USD' } },
      });
      await publishProductEvent(a, 2, {
        type: 'ProductPriceChanged',
        data: { price: { amount: 1200, currency: 'USD' }, previousPrice: { amount: 1000, currency: 'USD' } },
      });
      await settle();
      const order = await ask(PLACE, { input: { lines: [{ productId: a, quantity: 1 }] } }, alice);
      expect(order.data.placeOrder.order.total).toEqual({ amount: 1300, currency: 'USD' });
    });

    it('given a product whose ProductCreated has not arrived, then it is unknown until it does', async () => {
      const id = newId();
      const before = await ask(PLACE, { input: { lines: [{ productId: id, quantity: 1 }] } }, alice);
      expect(before.errors?.[0]?.extensions).toEqual({ code: 'NOT_FOUND', field: 'input.lines.0.productId' });
      await publishProductEvent(id, 1, {
        type: 'ProductCreated',
        data: { sku: 'LATE-1', name: 'Late', description: 'Arrives late.', price: { amount: 42, currency: 'USD' }, weightGrams: 1, category: 'test' },
      });
      await settle();
      expect((await ask(PLACE, { input: { lines: [{ productId: id, quantity: 1 }] } }, alice)).data.placeOrder.order.total).toEqual({
        amount: 42,
        currency: 'USD',
      });
    });

    it('seeds through the outbox: each seeded order has its OrderPlaced at its seeded time, and the cancelled one its OrderCancelled', async () => {
      for (const seeded of SEED_ORDERS) {
        const [placed, next] = await orderEvents(seeded.id);
        expect(placed).toMatchObject({ type: 'OrderPlaced', occurredAt: seeded.placedAt.toISOString(), correlationId: 'seed', causationId: null });
        expect(next?.type).toBe(seeded.status === 'CANCELLED' ? 'OrderCancelled' : 'OrderConfirmed');
      }
    });

    it('rebuilt from the log, every projection has exactly the rows it has live', async () => {
      await settle();
      const snapshot = async () => ({
        history: await orders.db.query('select * from orders.order_history order by order_id'),
        unitsSold: await orders.db.query('select * from orders.units_sold order by product_id'),
      });
      const live = await snapshot();
      expect(live.history.length).toBeGreaterThan(SEED_ORDERS.length);
      for (const projection of ordersProjections) await rebuildProjection(orders.db, orders.outbox, projection);
      expect(await snapshot()).toEqual(live);
    });
  });

  describe('Subscription.orderStatusChanged (graphql-ws)', () => {
    const STATUS_CHANGED = `subscription($orderId: ID, $after: String) { orderStatusChanged(orderId: $orderId, after: $after) {
      cursor orderId status occurredAt order { id customer { id } lines { quantity product { id } } } } }`;
    let productId: string;
    beforeAll(async () => {
      productId = await newProduct({ amount: 500, currency: 'USD' }, 1000);
      await settle();
    });
    /** Places a one-line order of the test's product as `customer` and lets the saga answer; returns its id. */
    const placeFor = async (customer: Identity, quantity = 1): Promise<string> => {
      const result = await ask(PLACE, { input: { lines: [{ productId, quantity }] } }, customer);
      expect(result.errors).toBeUndefined();
      await settle();
      return result.data.placeOrder.order.id;
    };
    const cancel = async (orderId: string, as: Identity) => {
      expect((await ask(CANCEL, { input: { orderId } }, as)).errors).toBeUndefined();
      await settle();
    };
    const changesOf = (results: ReadonlyArray<{ data?: any }>) => results.map((r) => [r.data.orderStatusChanged.orderId, r.data.orderStatusChanged.status]);

    it('given two customers and an ADMIN subscribed, when each customer orders, then each customer sees only their own order’s changes and the ADMIN sees all', async () => {
      const before = liveWatchCount();
      const aliceSees = await orders.subscribe(STATUS_CHANGED, {}, alice);
      const bobSees = await orders.subscribe(STATUS_CHANGED, {}, bob);
      const adminSees = await orders.subscribe(STATUS_CHANGED, {}, admin);
      expect(liveWatchCount()).toBe(before + 3);
      const bobsOrder = await placeFor(bob);
      const alicesOrder = await placeFor(alice, 2);

      // Bob's changes came first in the stream: had any reached Alice, they would be among her first.
      expect(changesOf(await aliceSees.take(2))).toEqual([
        [alicesOrder, 'PENDING'],
        [alicesOrder, 'CONFIRMED'],
      ]);
      expect(changesOf(await bobSees.take(2))).toEqual([
        [bobsOrder, 'PENDING'],
        [bobsOrder, 'CONFIRMED'],
      ]);
      expect(changesOf(await adminSees.take(4))).toEqual([
        [bobsOrder, 'PENDING'],
        [bobsOrder, 'CONFIRMED'],
        [alicesOrder, 'PENDING'],
        [alicesOrder, 'CONFIRMED'],
      ]);
      const [placed] = aliceSees.results;
      expect(placed!.errors).toBeUndefined();
      expect(placed!.data.orderStatusChanged).toEqual({
        cursor: expect.any(String),
        orderId: alicesOrder,
        status: 'PENDING',
        occurredAt: NOW.toISOString(),
        order: { id: alicesOrder, customer: { id: alice.userId }, lines: [{ quantity: 2, product: { id: productId } }] },
      });

      // Each unsubscribe waits until the server has stopped that subscription's watch.
      for (const subscription of [aliceSees, bobSees, adminSees]) await subscription.unsubscribe();
      expect(liveWatchCount()).toBe(before);
    });

    it('given an orderId, then only that order’s changes arrive', async () => {
      const [followed, other] = [await placeFor(alice), await placeFor(alice)];
      const subscription = await orders.subscribe(STATUS_CHANGED, { orderId: followed.toUpperCase() }, alice);
      await cancel(other, alice);
      await cancel(followed, alice);
      expect(changesOf(await subscription.take(1))).toEqual([[followed, 'CANCELLED']]);
      await subscription.unsubscribe();
    });

    it('given an ADMIN, then they may follow any customer’s order', async () => {
      const bobsOrder = await placeFor(bob);
      const subscription = await orders.subscribe(STATUS_CHANGED, { orderId: bobsOrder }, admin);
      expect(subscription.errors).toBeUndefined();
      await cancel(bobsOrder, bob);
      expect(changesOf(await subscription.take(1))).toEqual([[bobsOrder, 'CANCELLED']]);
      await subscription.unsubscribe();
    });

    it('given the cursor of the last change seen, when the customer comes back, then exactly the changes missed arrive, then live ones', async () => {
      const first = await orders.subscribe(STATUS_CHANGED, {}, alice);
      await placeFor(alice);
      const [, seen] = await first.take(2);
      await first.disconnect();

      // Three changes while away: placed, confirmed, cancelled.
      const missed = await placeFor(alice);
      await cancel(missed, alice);
      const again = await orders.subscribe(STATUS_CHANGED, { after: seen!.data.orderStatusChanged.cursor }, alice);
      expect(changesOf(await again.take(3))).toEqual([
        [missed, 'PENDING'],
        [missed, 'CONFIRMED'],
        [missed, 'CANCELLED'],
      ]);
      const live = await placeFor(alice);
      // The fourth is the live change: nothing was repeated or skipped before it.
      expect(changesOf(await again.take(4))[3]).toEqual([live, 'PENDING']);
      await again.unsubscribe();
    });

    it.each([
      ['an anonymous caller', 'UNAUTHENTICATED', {}, null, undefined],
      ['a malformed orderId', 'BAD_USER_INPUT', { orderId: 'nope' }, 'alice', 'orderId'],
      ['a malformed cursor', 'BAD_USER_INPUT', { after: 'bm9wZQ' }, 'alice', 'after'],
      ['an unknown order', 'NOT_FOUND', { orderId: '00000000-0000-4000-8000-000000000000' }, 'alice', undefined],
      ['another customer’s order', 'FORBIDDEN', { orderId: bobConfirmed.id }, 'alice', undefined],
    ] as const)('refuses %s with %s before watching anything', async (_, code, variables, who, field) => {
      const before = liveWatchCount();
      const subscription = await orders.subscribe(STATUS_CHANGED, variables, who === 'alice' ? alice : null);
      expect(subscription.ended).toBe(true);
      expect(subscription.results).toEqual([]);
      expect(subscription.errors).toEqual([expect.objectContaining({ extensions: field ? { code, field } : { code } })]);
      expect(liveWatchCount()).toBe(before);
    });

    it.each([
      ['signed with another secret', () => signGatewayIdentity(admin, new Uint8Array(randomBytes(32)))],
      ['not a token at all', async () => 'not-a-token'],
    ])('refuses an identity %s with UNAUTHENTICATED before the field runs', async (_, forge) => {
      const before = liveWatchCount();
      const subscription = await orders.subscribe(STATUS_CHANGED, {}, null, { identity: await forge() });
      expect(subscription.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
      expect(subscription.errors![0]!.message).toMatch(/Identity token/);
      expect(liveWatchCount()).toBe(before);
    });
  });
});
