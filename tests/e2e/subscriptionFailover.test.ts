import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { openTestEventBus, testEventBusKind } from '../support/testEventBus';
import { eventually } from '../support/eventually';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { startSubgraphReplica, type SubgraphReplica } from '../support/subgraphReplica';
import { wsClient, wsSubscribe, type TestSubscription } from '../support/subscriptionClients';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadSupergraph, type LoadedSupergraph } from '../../gateway/supergraph';
import { createAuthenticator } from '../../gateway/auth/authenticate';
import type { EventBus } from '../../platform/events/eventBus';
import { liveWatchCount } from '../../platform/events/watchEvents';
import { createLogger } from '../../platform/logger';
import { SEED_PRODUCTS } from '../../platform/seedData';

// The client does not select `cursor`: the gateway adds it upstream to resume by, and the client never sees it.
const ORDER_STATUS = `subscription { orderStatusChanged { orderId status } }`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`;
// Every order is confirmed (a marker must be): only products in stock, each used once or twice.
const IN_STOCK = SEED_PRODUCTS.filter((product) => product.stock > 0);

/**
 * Subscriptions of a gateway whose orders subgraph restarts, drops its
 * sockets, runs as two replicas of which one stops, or stays away: the
 * stack's own gateway (whose orders instance never goes away) is the
 * control, and each subscriber of the gateway under test must receive
 * exactly the control's events, in the same order — none missed, none twice.
 */
describe(`subscriptions across subgraph restarts and replicas (${testStorageKind()}, ${testEventBusKind()})`, () => {
  const identitySecret = new Uint8Array(randomBytes(32));
  const jwt = { issuer: 'commerce-accounts', audience: 'commerce-api', ttlSeconds: 3600 };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-'));
  let bus: { bus: EventBus; dispose(): Promise<void> };
  let t: TestStack;
  let supergraph: LoadedSupergraph;
  let alice: string;
  let bob: string;
  let nextProduct = 0;
  // What each test starts, stopped after it whatever happened.
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    bus = await openTestEventBus();
    t = await startTestStack({ bus: bus.bus, identitySecret, jwt, dataDir });
    supergraph = loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql'));
    alice = await t.logIn('alice@example.com', 'alice-password');
    bob = await t.logIn('bob@example.com', 'bob-password');
    await t.settle();
  }, 60_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(async () => {
    await t?.close();
    await bus?.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const replica = async (): Promise<SubgraphReplica> => {
    const started = await startSubgraphReplica('orders', { storage: t.storage, bus: bus.bus, identitySecret, dataDir, jwt });
    cleanups.push(() => started.stop());
    return started;
  };
  /** A second gateway, reaching orders at `ordersUrl` (one URL or comma-separated replicas) and everything else as the stack's does. */
  const gatewayTo = async (ordersUrl: string, subscriptionUpstreamRetryMs?: number): Promise<RunningGateway> => {
    const gateway = await startGateway({
      supergraph,
      subgraphUrls: { ...t.stack.gateway.subgraphUrls, orders: ordersUrl },
      port: 0,
      host: '127.0.0.1',
      production: false,
      authenticate: createAuthenticator({
        jwksUrl: new URL('/.well-known/jwks.json', t.stack.subgraphs.accounts.url).toString(),
        issuer: jwt.issuer,
        audience: jwt.audience,
      }),
      identitySecret,
      logger: createLogger('gateway-under-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
      subscriptionUpstreamRetryMs,
    });
    cleanups.push(() => gateway.close());
    return gateway;
  };
  const subscribe = (url: string, token: string, query = ORDER_STATUS): TestSubscription => {
    const subscription = wsSubscribe(wsClient(url, token), query);
    cleanups.push(() => subscription.close());
    return subscription;
  };
  const place = async (token: string): Promise<string> => {
    const product = IN_STOCK[nextProduct++ % IN_STOCK.length]!;
    const data = await t.queryOk(PLACE, { input: { lines: [{ productId: product.id, quantity: 1 }] } }, token);
    return data.placeOrder.order.id;
  };
  /** Places `count` orders one after another while the test goes on. */
  const placeInBackground = (token: string, count: number): Promise<string[]> =>
    (async () => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push(await place(token));
      return ids;
    })();
  const story = (s: TestSubscription) => s.results.map((r) => [r.data?.orderStatusChanged?.orderId, r.data?.orderStatusChanged?.status]);
  const tells = (orderId: string, status: string) => (result: any) =>
    result.data?.orderStatusChanged?.orderId === orderId && result.data.orderStatusChanged.status === status;
  /** Places a marker order and waits until every subscription has its confirmation: whatever was missed or repeated arrived before it. */
  const untilMarker = async (token: string, ...subscriptions: TestSubscription[]): Promise<void> => {
    const marker = await place(token);
    for (const subscription of subscriptions) await subscription.waitUntil(tells(marker, 'CONFIRMED'));
  };
  const expectSameStory = (subject: TestSubscription, control: TestSubscription, atLeast: number) => {
    expect(subject.results.every((r) => r.errors === undefined)).toBe(true);
    expect(story(subject)).toEqual(story(control));
    expect(subject.results.length).toBeGreaterThanOrEqual(atLeast);
    // Upstream selected the cursor to resume by; the client did not ask for it and does not get it.
    expect(subject.results.map((r) => Object.keys(r.data.orderStatusChanged).sort())).toEqual(subject.results.map(() => ['orderId', 'status']));
  };

  it('given a replica that restarts while orders keep coming, then the subscription resumes after its last event: every event once, in order', async () => {
    const orders = await replica();
    const gateway = await gatewayTo(orders.url);
    const subject = subscribe(gateway.url, alice);
    const control = subscribe(t.url, alice);
    await eventually(() => orders.watches === 1 && liveWatchCount() === 2, 'both subscriptions live in their orders instances');

    const placing = placeInBackground(alice, 6);
    await subject.waitFor(2);
    await orders.stop();
    // Events the subject's gateway cannot hear while its replica is down.
    await control.waitFor(subject.results.length + 3);
    await orders.start();
    await placing;
    await untilMarker(alice, subject, control);

    expectSameStory(subject, control, 14);
    expect(orders.watches).toBe(1);
    expect(gateway.subscriptions.upstreamCount).toBe(1);
  });

  it('given a replica that restarts before the first event, then the subscription resumes from where it started: the events of the gap arrive', async () => {
    const orders = await replica();
    const gateway = await gatewayTo(orders.url);
    const subject = subscribe(gateway.url, alice);
    const control = subscribe(t.url, alice);
    await eventually(() => orders.watches === 1 && liveWatchCount() === 2, 'both subscriptions live in their orders instances');

    await orders.stop();
    const missed = await place(alice);
    await control.waitUntil(tells(missed, 'CONFIRMED'));
    await orders.start();
    await untilMarker(alice, subject, control);

    expectSameStory(subject, control, 4);
    expect(story(subject).slice(0, 2)).toEqual([
      [missed, 'PENDING'],
      [missed, 'CONFIRMED'],
    ]);
  });

  it('given the sockets to a subgraph dropped and cut off for a while, then the subscription resumes on the same replica with no gap and no repeat', async () => {
    const orders = await replica();
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(orders.url).port) });
    cleanups.push(() => proxy.close());
    const gateway = await gatewayTo(`http://127.0.0.1:${proxy.port}/graphql`);
    const subject = subscribe(gateway.url, bob);
    const control = subscribe(t.url, bob);
    await eventually(() => orders.watches === 1 && liveWatchCount() === 2, 'both subscriptions live in their orders instances');

    const placing = placeInBackground(bob, 5);
    await subject.waitFor(2);
    await proxy.cut();
    // The replica saw its socket close and stopped the watch; meanwhile events go on.
    await eventually(() => orders.watches === 0, 'the replica to end the cut-off subscription');
    await control.waitFor(subject.results.length + 2);
    await proxy.restore();
    await placing;
    await untilMarker(bob, subject, control);

    expectSameStory(subject, control, 12);
    expect(orders.watches).toBe(1);
  });

  it('given two replicas, then subscriptions spread over both, and those of one that stops continue on the other with no gap and no repeat', async () => {
    const [first, second] = [await replica(), await replica()];
    const gateway = await gatewayTo(`${first.url},${second.url}`);
    // Two different documents, so two upstream subscriptions to spread (identical ones of any viewers share one:
    // orderStatusChanged is owner-filtered); the two controls share one.
    const subjects = [subscribe(gateway.url, alice), subscribe(gateway.url, bob, `subscription { orderStatusChanged { status orderId } }`)];
    const controls = [subscribe(t.url, alice), subscribe(t.url, bob)];
    await eventually(() => first.watches === 1 && second.watches === 1 && liveWatchCount() === 3, 'one subscription on each replica, one for the controls');

    const placing = [placeInBackground(alice, 4), placeInBackground(bob, 4)];
    await subjects[0]!.waitFor(2);
    await subjects[1]!.waitFor(2);
    await first.stop();
    // The other replica takes the stopped one's subscription back at once: it is up.
    await eventually(() => second.watches === 2, 'both subscriptions on the replica still up');
    await Promise.all(placing);
    await untilMarker(alice, subjects[0]!, controls[0]!);
    await untilMarker(bob, subjects[1]!, controls[1]!);

    expectSameStory(subjects[0]!, controls[0]!, 10);
    expectSameStory(subjects[1]!, controls[1]!, 10);
    expect(first.watches).toBe(0);
  });

  it('given no replica back within SUBSCRIPTION_UPSTREAM_RETRY_MS, then the subscription ends with a retryable SERVICE_UNAVAILABLE', async () => {
    const orders = await replica();
    const gateway = await gatewayTo(orders.url, 1000);
    const subject = subscribe(gateway.url, alice);
    await eventually(() => orders.watches === 1 && gateway.subscriptions.upstreamCount === 1, 'the subscription live in the replica');

    await orders.stop();
    const stoppedAt = Date.now();
    let ended = false;
    void subject.ended.then(() => (ended = true));
    await eventually(() => ended, 'the subscription to end', 10_000);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(900);
    const last = subject.results.at(-1);
    expect(last.errors).toEqual([
      expect.objectContaining({
        message: 'The orders subgraph ended the subscription; subscribe again (with `after` to resume).',
        extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
      }),
    ]);
    expect(gateway.subscriptions.upstreamCount).toBe(0);
    expect(gateway.subscriptions.subscriberCount).toBe(0);
  });
});
