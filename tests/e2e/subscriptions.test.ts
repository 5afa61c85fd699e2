import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { eventually } from '../support/eventually';
import { multipartSubscribe, wsClient, wsSubscribe, type TestSubscription } from '../support/subscriptionClients';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { liveWatchCount } from '../../platform/events/watchEvents';

const ORDER_STATUS = `subscription($orderId: ID, $after: String) {
  orderStatusChanged(orderId: $orderId, after: $after) { cursor orderId status order { lines { quantity product { name stock } } } }
}`;
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`;

/** Federated subscriptions through the gateway, over a real WebSocket and real multipart HTTP. */
describe(`subscriptions (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    t = await startTestStack();
    alice = await t.logIn('alice@example.com', 'alice-password');
    bob = await t.logIn('bob@example.com', 'bob-password');
    await t.settle();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function place(token: string, productIndex: number, quantity = 1): Promise<string> {
    const data = await t.queryOk(PLACE, { input: { lines: [{ productId: SEED_PRODUCTS[productIndex]!.id, quantity }] } }, token);
    return data.placeOrder.order.id;
  }

  /** Each result of an `orderStatusChanged` subscription as [orderId, status]. */
  const story = (s: TestSubscription) => s.results.map((r) => [r.data?.orderStatusChanged?.orderId, r.data?.orderStatusChanged?.status]);
  /** Whether `result` tells of `orderId` reaching `status`. */
  const tells = (orderId: string, status: string) => (result: any) =>
    result.data?.orderStatusChanged?.orderId === orderId && result.data.orderStatusChanged.status === status;

  it('delivers PENDING then CONFIRMED over graphql-ws, with fields from products and inventory; other customers get nothing', async () => {
    const mine = wsSubscribe(wsClient(t.url, alice), ORDER_STATUS);
    const theirs = wsSubscribe(wsClient(t.url, bob), ORDER_STATUS);
    // One upstream for both: orderStatusChanged is owner-filtered at the gateway (gateway/subscriptions/ownerFilter.ts).
    await eventually(
      () => t.stack.gateway.subscriptions.subscriberCount === 2 && t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1,
      'both subscriptions live on one upstream',
    );
    const product = SEED_PRODUCTS[5]!;
    const orderId = await place(alice, 5, 1);
    const [pending, confirmed] = await mine.waitFor(2);
    expect(pending.errors).toBeUndefined();
    expect(pending.data.orderStatusChanged).toMatchObject({ orderId, status: 'PENDING' });
    expect(confirmed.data.orderStatusChanged).toMatchObject({ orderId, status: 'CONFIRMED' });
    expect(confirmed.data.orderStatusChanged.order.lines).toEqual([{ quantity: 1, product: { name: product.name, stock: expect.any(Number) } }]);
    // Bob's own order, placed after Alice's: his watch reads the stream in order, so anything of hers would reach him before it.
    const bobsOrder = await place(bob, 9, 1);
    await theirs.waitUntil(tells(bobsOrder, 'CONFIRMED'));
    expect(story(theirs)).toEqual([
      [bobsOrder, 'PENDING'],
      [bobsOrder, 'CONFIRMED'],
    ]);
    await Promise.all([mine.close(), theirs.close()]);
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0 && liveWatchCount() === 0, 'upstream subscriptions and subgraph watches released');
  });

  it('delivers the same over multipart HTTP, with heartbeats', async () => {
    const sub = multipartSubscribe(t.url, ORDER_STATUS, {}, alice);
    expect(await sub.status).toBe(200);
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1, 'subscription live in the subgraph');
    const orderId = await place(alice, 6, 1);
    const [pending, confirmed] = await sub.waitFor(2);
    expect(pending.data.orderStatusChanged).toMatchObject({ orderId, status: 'PENDING' });
    expect(confirmed.data.orderStatusChanged.status).toBe('CONFIRMED');
    expect(confirmed.data.orderStatusChanged.order.lines[0].product.name).toBe(SEED_PRODUCTS[6]!.name);
    expect(sub.heartbeats()).toBeGreaterThanOrEqual(1);
    await sub.close();
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0, 'upstream subscription released after disconnect');
  });

  it('resumes from a cursor: nothing missed, nothing twice', async () => {
    const first = wsSubscribe(wsClient(t.url, alice), ORDER_STATUS);
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1, 'subscription live in the subgraph');
    const a = await place(alice, 7, 1);
    const [seen] = await first.waitFor(1);
    await first.close();
    const lastCursor = seen.data.orderStatusChanged.cursor;
    expect(seen.data.orderStatusChanged).toMatchObject({ orderId: a, status: 'PENDING' });
    // While disconnected: the rest of order a's story, and order b's.
    const b = await place(alice, 8, 1);
    await t.settle();
    const resumed = wsSubscribe(wsClient(t.url, alice), ORDER_STATUS, { after: lastCursor });
    // Order c, placed now, is the marker: its events follow everything missed in the stream, so a repeat would arrive before them.
    const c = await place(alice, 11, 1);
    await resumed.waitUntil(tells(c, 'CONFIRMED'));
    await resumed.close();
    const received = story(resumed);
    expect(received.slice(-2)).toEqual([
      [c, 'PENDING'],
      [c, 'CONFIRMED'],
    ]);
    // Before them, exactly the three events missed; a's confirmation and b's placement may interleave either way in the stream.
    expect(received.slice(0, -2).sort()).toEqual(
      [
        [a, 'CONFIRMED'],
        [b, 'PENDING'],
        [b, 'CONFIRMED'],
      ].sort(),
    );
    expect(received.findIndex(([id, status]) => id === b && status === 'PENDING')).toBeLessThan(
      received.findIndex(([id, status]) => id === b && status === 'CONFIRMED'),
    );
  });

  it('shares one upstream subscription between identical viewer-independent subscriptions, whoever asks', async () => {
    const product = SEED_PRODUCTS[12]!;
    const query = `subscription($p: ID!) { reviewAdded(productId: $p) { review { rating body author { name } product { name } } } }`;
    // Anonymous, Alice and Bob: nothing in the selection depends on the viewer, so one resolution serves all.
    const subscribers = [
      wsSubscribe(wsClient(t.url), query, { p: product.id }),
      wsSubscribe(wsClient(t.url, alice), query, { p: product.id }),
      multipartSubscribe(t.url, query, { p: product.id }, bob),
    ];
    await eventually(() => t.stack.gateway.subscriptions.subscriberCount === 3 && liveWatchCount() === 1, 'three subscribers on one live watch');
    expect(t.stack.gateway.subscriptions.upstreamCount).toBe(1);
    const carol = await t.queryOk(`mutation { signUp(input: { email: "sub.carol@example.com", name: "Carol", password: "carol-password" }) { token } }`);
    await t.queryOk(
      `mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }`,
      { input: { productId: product.id, rating: 5, body: 'Shared.' } },
      carol.signUp.token,
    );
    for (const s of subscribers) {
      const [result] = await s.waitFor(1);
      expect(result.data.reviewAdded.review).toEqual({ rating: 5, body: 'Shared.', author: { name: 'Carol' }, product: { name: product.name } });
    }
    await Promise.all(subscribers.map((s) => s.close()));
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0, 'released');
  });

  it('applies the same protection as HTTP', async () => {
    // Anonymous callers cannot follow orders.
    const anonymous = wsSubscribe(wsClient(t.url), ORDER_STATUS);
    const refused = await anonymous.ended;
    // The owning subgraph refuses it: an error result, then the subscription completes.
    expect(JSON.stringify([refused, anonymous.results])).toMatch(/UNAUTHENTICATED/);
    expect(anonymous.results.every((r) => !r.data?.orderStatusChanged)).toBe(true);
    await anonymous.close();
    // A bad token closes the connection.
    const forged = wsSubscribe(wsClient(t.url, 'not.a.token'), ORDER_STATUS);
    const closed = (await forged.ended) as { code?: number };
    expect(closed.code).toBe(4403);
    await forged.close();
    // Validation as for HTTP: unknown fields are refused.
    const invalid = wsSubscribe(wsClient(t.url, alice), `subscription { orderStatusChanged { nope } }`);
    expect(JSON.stringify(await invalid.ended)).toMatch(/GRAPHQL_VALIDATION_FAILED|nope/);
    await invalid.close();
    // Queries belong on HTTP.
    const query = wsSubscribe(wsClient(t.url, alice), `{ me { id } }`);
    expect(JSON.stringify(await query.ended)).toMatch(/HTTP/);
    await query.close();
    // A subscription over plain HTTP without the multipart Accept header is refused, not hung.
    const plain = await t.query(ORDER_STATUS, {}, alice);
    expect(plain.status).toBe(406);
  });

  it('keeps viewer-dependent subscriptions apart, one per viewer', async () => {
    const product = SEED_PRODUCTS[13]!;
    // `email` is shown only to its owner: each viewer gets a resolution of their own.
    const query = `subscription($p: ID!) { reviewAdded(productId: $p) { review { author { name email } } } }`;
    const subscribers = [wsSubscribe(wsClient(t.url, alice), query, { p: product.id }), wsSubscribe(wsClient(t.url, bob), query, { p: product.id })];
    await eventually(() => t.stack.gateway.subscriptions.subscriberCount === 2 && liveWatchCount() === 2, 'two subscribers on two live watches');
    expect(t.stack.gateway.subscriptions.upstreamCount).toBe(2);
    await t.queryOk(
      `mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }`,
      { input: { productId: product.id, rating: 4, body: 'Mine.' } },
      alice,
    );
    const [forAlice] = await subscribers[0]!.waitFor(1);
    const [forBob] = await subscribers[1]!.waitFor(1);
    expect(forAlice.data.reviewAdded.review.author).toEqual({ name: 'Alice Customer', email: 'alice@example.com' });
    expect(forBob.data.reviewAdded.review.author).toEqual({ name: 'Alice Customer', email: null });
    await Promise.all(subscribers.map((s) => s.close()));
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0, 'released');
  });
});
