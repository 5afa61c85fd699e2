import { randomBytes } from 'node:crypto';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { eventually } from '../support/eventually';
import { NatsEventBus } from '../../platform/events/natsEventBus';

/**
 * NATS made unreachable (a TCP proxy between the stack and the real server is
 * cut) while orders are placed, then restored: every order reaches a final
 * status, no event is lost and none takes effect twice. Runs only when the
 * suites run on NATS (TEST_EVENT_BUS=nats).
 */
const onNats = testEventBusKind() === 'nats' ? describe : describe.skip;

onNats(`broker outage (${testStorageKind()}, nats)`, () => {
  let t: TestStack;
  let proxy: TcpProxy;
  let bus: NatsEventBus;
  beforeAll(async () => {
    const target = new URL(process.env.NATS_URL!.split(',')[0]!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 4222) });
    bus = await NatsEventBus.connect({
      servers: `nats://127.0.0.1:${proxy.port}`,
      prefix: `t${randomBytes(5).toString('hex')}`,
      publishTimeoutMs: 500,
      retryDelayMs: 100,
    });
    t = await startTestStack({ bus });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await proxy?.restore().catch(() => undefined);
    await bus?.deleteStreams().catch(() => undefined);
    await bus?.close();
    await proxy?.close();
  });

  it('finishes every order placed during the outage, once', async () => {
    const admin = await t.logIn('admin@example.com', 'admin-password');
    const alice = await t.logIn('alice@example.com', 'alice-password');
    const created = await t.queryOk(
      `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }`,
      { input: { sku: 'OUTAGE-1', name: 'Outage', price: { amount: 900, currency: 'USD' }, weightGrams: 100, category: 'toys' } },
      admin,
    );
    const productId: string = created.createProduct.product.id;
    // Inventory learns of the product from ProductCreated: wait until it is known there before restocking.
    await t.settle();
    await t.queryOk(`mutation($input: RestockInput!) { restock(input: $input) { product { stock } } }`, { input: { productId, quantity: 6 } }, admin);
    await t.settle();

    await proxy.cut();
    // Writes still succeed: their events wait in the outboxes.
    const orderIds: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const placed = await t.queryOk(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status } } }`,
        { input: { lines: [{ productId, quantity: 1 }] } },
        alice,
      );
      expect(placed.placeOrder.order.status).toBe('PENDING');
      orderIds.push(placed.placeOrder.order.id);
    }
    // After the settle nothing else was unsent, so an orders relay waiting for the bus has tried these events and been refused.
    const ordersReady = t.stack.subgraphs.orders.url.replace(/\/graphql$/, '/ready');
    const relayState = async () => ((await (await fetch(ordersReady)).json()) as { outboxRelay: string }).outboxRelay;
    await eventually(async () => (await relayState()) === 'waiting for the event bus', 'the orders relay to fail to publish');
    const db = t.storage.database('check');
    const [waiting] = await db.query<{ n: string }>(`select count(*) as n from orders.outbox where published_at is null`);
    expect(Number(waiting?.n)).toBeGreaterThanOrEqual(10);

    await proxy.restore();
    const statuses = async () =>
      Promise.all(orderIds.map(async (id) => (await t.queryOk(`query($id: ID!) { order(id: $id) { status } }`, { id }, alice)).order.status as string));
    await eventually(async () => (await statuses()).every((s) => s !== 'PENDING'), 'every order final after the outage', 45_000);
    const final = await statuses();
    expect(final.filter((s) => s === 'CONFIRMED')).toHaveLength(6);
    expect(final.filter((s) => s === 'REJECTED')).toHaveLength(4);

    await t.settle();
    // Nothing lost, nothing twice: each OrderPlaced was reserved-or-rejected exactly once…
    const handled = await db.query<{ n: string }>(
      `select count(*) as n from inventory.inbox where consumer = 'inventory.reservations' and event_type = 'OrderPlaced'
       and event_id in (select event_id from orders.outbox where aggregate_id = any($1))`,
      [orderIds],
    );
    expect(Number(handled[0]?.n)).toBe(10);
    const decisions = await db.query<{ type: string; n: string }>(
      `select type, count(*) as n from inventory.outbox where aggregate_id = any($1) group by type order by type`,
      [orderIds],
    );
    expect(decisions.map((d) => [d.type, Number(d.n)])).toEqual([
      ['StockReservationRejected', 4],
      ['StockReserved', 6],
    ]);
    // …and the stock and read models agree with six confirmed units.
    const product = await t.queryOk(`query($id: ID!) { product(id: $id) { stock unitsSold } }`, { id: productId });
    expect(product.product).toEqual({ stock: 0, unitsSold: 6 });
    expect(await db.query(`select count(*)::int as n from orders.outbox where published_at is null`)).toEqual([{ n: 0 }]);
  }, 120_000);
});
