import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { eventually } from '../support/eventually';

const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status } } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id status rejectionReason } }`;
const PRODUCT = `query($id: ID!) { product(id: $id) { stock unitsSold } }`;

/** The order saga through events only: orders → inventory → orders, on the bus under test. */
describe(`order saga (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  let admin: string;
  let alice: string;
  beforeAll(async () => {
    t = await startTestStack();
    admin = await t.logIn('admin@example.com', 'admin-password');
    alice = await t.logIn('alice@example.com', 'alice-password');
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A new product with exactly `stock` units, known to orders' price read model. */
  async function productWithStock(sku: string, stock: number): Promise<string> {
    const created = await t.queryOk(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }`,
      { input: { sku, name: `Saga ${sku}`, price: { amount: 1500, currency: 'USD' }, weightGrams: 200, category: 'toys' } },
      admin,
    );
    const id: string = created.createProduct.product.id;
    if (stock > 0) {
      // Inventory learns of the product from ProductCreated: wait until it is known there before restocking.
      await t.settle();
      await t.queryOk(`mutation($input: RestockInput!) { restock(input: $input) { product { stock } } }`, { input: { productId: id, quantity: stock } }, admin);
    }
    // Orders learns prices from ProductCreated: wait until it accepts the product.
    await t.settle();
    return id;
  }

  async function finalStatus(orderId: string, token: string): Promise<{ status: string; rejectionReason: string | null }> {
    let order: { status: string; rejectionReason: string | null } = { status: 'PENDING', rejectionReason: null };
    await eventually(async () => {
      order = (await t.queryOk(ORDER, { id: orderId }, token)).order;
      return order.status !== 'PENDING';
    }, `order ${orderId} to leave PENDING`);
    return order;
  }

  it('confirms an order for available stock and takes the stock', async () => {
    const productId = await productWithStock('SAGA-0001', 10);
    const placed = await t.queryOk(PLACE, { input: { lines: [{ productId, quantity: 3 }] } }, alice);
    // The payload is what the command wrote.
    expect(placed.placeOrder.order.status).toBe('PENDING');
    expect(await finalStatus(placed.placeOrder.order.id, alice)).toMatchObject({ status: 'CONFIRMED', rejectionReason: null });
    await t.settle();
    expect((await t.queryOk(PRODUCT, { id: productId })).product).toEqual({ stock: 7, unitsSold: 3 });
  });

  it('rejects an order beyond stock with a reason and leaves the stock alone', async () => {
    const productId = await productWithStock('SAGA-0002', 2);
    const other = await productWithStock('SAGA-0003', 50);
    const placed = await t.queryOk(
      PLACE,
      {
        input: {
          lines: [
            { productId: other, quantity: 1 },
            { productId, quantity: 3 },
          ],
        },
      },
      alice,
    );
    const order = await finalStatus(placed.placeOrder.order.id, alice);
    expect(order.status).toBe('REJECTED');
    expect(order.rejectionReason).toContain(productId);
    expect(order.rejectionReason).toMatch(/requested 3, available 2/);
    // All or nothing: the line that had enough stock was not taken either.
    await t.settle();
    expect((await t.queryOk(PRODUCT, { id: productId })).product.stock).toBe(2);
    expect((await t.queryOk(PRODUCT, { id: other })).product.stock).toBe(50);
  });

  it('never oversells: 20 concurrent orders of one unit against 5 in stock confirm exactly 5', async () => {
    const productId = await productWithStock('SAGA-0004', 5);
    const placed = await Promise.all(Array.from({ length: 20 }, () => t.queryOk(PLACE, { input: { lines: [{ productId, quantity: 1 }] } }, alice)));
    const outcomes = await Promise.all(placed.map((p) => finalStatus(p.placeOrder.order.id, alice)));
    expect(outcomes.filter((o) => o.status === 'CONFIRMED')).toHaveLength(5);
    expect(outcomes.filter((o) => o.status === 'REJECTED')).toHaveLength(15);
    await t.settle();
    expect((await t.queryOk(PRODUCT, { id: productId })).product).toEqual({ stock: 0, unitsSold: 5 });
  });

  it('gives stock back when a confirmed order is cancelled', async () => {
    const productId = await productWithStock('SAGA-0005', 4);
    const placed = await t.queryOk(PLACE, { input: { lines: [{ productId, quantity: 4 }] } }, alice);
    expect((await finalStatus(placed.placeOrder.order.id, alice)).status).toBe('CONFIRMED');
    await t.settle();
    expect((await t.queryOk(PRODUCT, { id: productId })).product.stock).toBe(0);
    const cancelled = await t.queryOk(
      `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { status } } }`,
      { input: { orderId: placed.placeOrder.order.id } },
      alice,
    );
    expect(cancelled.cancelOrder.order.status).toBe('CANCELLED');
    await eventually(async () => (await t.queryOk(PRODUCT, { id: productId })).product.stock === 4, 'stock released');
    await t.settle();
    expect((await t.queryOk(PRODUCT, { id: productId })).product).toEqual({ stock: 4, unitsSold: 0 });
  });

  it('shows a placed order in the customer’s history once the projection has caught up', async () => {
    const productId = await productWithStock('SAGA-0006', 3);
    const placed = await t.queryOk(PLACE, { input: { lines: [{ productId, quantity: 1 }] } }, alice);
    await finalStatus(placed.placeOrder.order.id, alice);
    await t.settle();
    const history = await t.queryOk(`{ me { orders(first: 100) { edges { node { id status } } } } }`, undefined, alice);
    expect(history.me.orders.edges.map((e: any) => e.node)).toContainEqual({ id: placed.placeOrder.order.id, status: 'CONFIRMED' });
  });

  it('carries the request id through the whole chain of events', async () => {
    const productId = await productWithStock('SAGA-0007', 3);
    const requestId = `saga-${Date.now()}`;
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}`, 'x-request-id': requestId },
      body: JSON.stringify({ query: PLACE, variables: { input: { lines: [{ productId, quantity: 1 }] } } }),
    });
    const orderId = ((await response.json()) as any).data.placeOrder.order.id;
    await finalStatus(orderId, alice);
    const db = t.storage.database('check');
    const chain = [
      ...(await db.query<{ type: string; correlation_id: string }>(`select type, correlation_id from orders.outbox where aggregate_id = $1 order by position`, [
        orderId,
      ])),
      ...(await db.query<{ type: string; correlation_id: string }>(
        `select type, correlation_id from inventory.outbox where aggregate_id = $1 order by position`,
        [orderId],
      )),
    ];
    expect(chain.map((e) => e.type).sort()).toEqual(['OrderConfirmed', 'OrderPlaced', 'StockReserved']);
    expect(new Set(chain.map((e) => e.correlation_id))).toEqual(new Set([requestId]));
  });
});
