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
import { liveWatchCount } from '../../platform/events/watchEvents';

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
    // Both instances run in this process: two live watches are the two orders instances' watches.
    await eventually(
      () => a.stack.gateway.subscriptions.upstreamCount === 1 && b.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 2,
      'one upstream subscription per gateway, each watching in its orders instance',
    );
    const place = async (productIndex: number): Promise<string> => {
      const placed = await a.queryOk(
        `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`,
        { input: { lines: [{ productId: SEED_PRODUCTS[productIndex]!.id, quantity: 1 }] } },
        alice,
      );
      return placed.placeOrder.order.id;
    };
    const tells = (id: string, status: string) => (r: any) => r.data?.orderStatusChanged?.orderId === id && r.data.orderStatusChanged.status === status;
    const product = SEED_PRODUCTS[15]!;
    const orderId = await place(15);
    for (const sub of [viaA, viaB]) await sub.waitUntil(tells(orderId, 'CONFIRMED'));
    // A second order is the marker: its events follow the first's in the stream, so a repeat of those would arrive before them.
    const marker = await place(16);
    for (const sub of [viaA, viaB]) await sub.waitUntil(tells(marker, 'CONFIRMED'));
    for (const sub of [viaA, viaB]) {
      const story = sub.results
        .map((r) => [r.data?.orderStatusChanged?.orderId, r.data?.orderStatusChanged?.status])
        .filter(([id]) => id === orderId || id === marker);
      expect(story).toEqual([
        [orderId, 'PENDING'],
        [orderId, 'CONFIRMED'],
        [marker, 'PENDING'],
        [marker, 'CONFIRMED'],
      ]);
      const confirmed = sub.results.find(tells(orderId, 'CONFIRMED'));
      expect(confirmed.data.orderStatusChanged.order.lines[0].product.name).toBe(product.name);
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
