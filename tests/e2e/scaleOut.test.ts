import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { eventually } from '../support/eventually';
import { wsClient, wsSubscribe } from '../support/subscriptionClients';
import { NatsEventBus } from '../../platform/events/natsEventBus';
import { startStack, type RunningStack } from '../../embedded/startStack';
import { SEED_PRODUCTS } from '../../platform/seedData';

/**
 * Two complete instances — two gateways, two of every subgraph — over one
 * database and one JetStream (the same stream prefix): every event reaches
 * the subscribers of each gateway exactly once, and the saga runs once.
 * NATS only: the in-process bus cannot join two instances.
 */
const onNats = testEventBusKind() === 'nats' ? describe : describe.skip;

onNats(`scale-out (${testStorageKind()}, nats)`, () => {
  let a: TestStack;
  let b: RunningStack;
  const buses: NatsEventBus[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-'));
  beforeAll(async () => {
    const prefix = `t${randomBytes(5).toString('hex')}`;
    for (const name of ['a', 'b']) buses.push(await NatsEventBus.connect({ servers: process.env.NATS_URL!, prefix, name }));
    const identitySecret = new Uint8Array(randomBytes(32));
    const jwt = { issuer: 'commerce-accounts', audience: 'commerce-api', ttlSeconds: 3600 };
    // Both instances share the data directory (the JWT key) and the identity secret, as separate machines would share configuration.
    a = await startTestStack({ bus: buses[0], dataDir, identitySecret, jwt });
    b = await startStack({
      storage: a.storage,
      bus: buses[1]!,
      dataDir,
      host: '127.0.0.1',
      ports: { gateway: 0, accounts: 0, products: 0, inventory: 0, orders: 0, reviews: 0 },
      production: false,
      seed: true,
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
      identitySecret,
      jwt,
    });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await buses[0]?.deleteStreams().catch(() => undefined);
    for (const bus of buses) await bus.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every event to the subscribers of both gateways, once each', async () => {
    const alice = await a.logIn('alice@example.com', 'alice-password');
    await a.settle();
    const query = `subscription { orderStatusChanged { orderId status order { lines { product { name } } } } }`;
    const viaA = wsSubscribe(wsClient(a.url, alice), query);
    const viaB = wsSubscribe(wsClient(b.gateway.url, alice), query);
    await eventually(
      () => a.stack.gateway.subscriptions.upstreamCount === 1 && b.gateway.subscriptions.upstreamCount === 1,
      'one upstream subscription per gateway',
    );
    // The watch in each orders instance starts just after its subscribe arrives.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const product = SEED_PRODUCTS[15]!;
    const placed = await a.queryOk(
      `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`,
      { input: { lines: [{ productId: product.id, quantity: 1 }] } },
      alice,
    );
    const orderId: string = placed.placeOrder.order.id;
    for (const sub of [viaA, viaB]) {
      await sub.waitFor(2);
    }
    // Anything duplicated would have arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const sub of [viaA, viaB]) {
      const mine = sub.results.filter((r) => r.data.orderStatusChanged.orderId === orderId);
      expect(mine.map((r) => r.data.orderStatusChanged.status)).toEqual(['PENDING', 'CONFIRMED']);
      expect(mine[1].data.orderStatusChanged.order.lines[0].product.name).toBe(product.name);
    }
    // The saga ran once although two instances of each consumer were subscribed.
    const db = a.storage.database('check');
    const decided = await db.query<{ n: number }>(`select count(*)::int as n from orders.outbox where aggregate_id = $1 and type = 'OrderConfirmed'`, [
      orderId,
    ]);
    expect(decided).toEqual([{ n: 1 }]);
    await Promise.all([viaA.close(), viaB.close()]);
    await eventually(() => a.stack.gateway.subscriptions.upstreamCount === 0 && b.gateway.subscriptions.upstreamCount === 0, 'both gateways released upstream');
  }, 60_000);
});
