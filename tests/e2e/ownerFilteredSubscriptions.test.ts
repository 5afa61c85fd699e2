import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { wsClient, wsSubscribe, type TestSubscription } from '../support/subscriptionClients';
import { eventually } from '../support/eventually';
import { liveWatchCount } from '../../platform/events/watchEvents';
import { SEED_PRODUCTS } from '../../platform/seedData';

const ORDER_STATUS = `subscription($after: String) { orderStatusChanged(after: $after) { cursor orderId status order { id total { amount } lines { product { name } } } } }`;
const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }`;

/**
 * Issue 12, item 5: `orderStatusChanged` is visible to the order's customer and
 * to ADMINs, so every viewer's identical subscription shares one upstream
 * subscription (the gateway's ADMIN principal) and each event goes only to its
 * owner's subscribers and to ADMINs (`gateway/subscriptions/ownerFilter.ts`).
 */
describe(`owner-filtered subscriptions (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  let alice: string;
  let bob: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestStack();
    [alice, bob, admin] = await Promise.all([
      t.logIn('alice@example.com', 'alice-password'),
      t.logIn('bob@example.com', 'bob-password'),
      t.logIn('admin@example.com', 'admin-password'),
    ]);
  });
  afterAll(() => t?.close());

  const place = async (token: string, product: number) =>
    (await t.queryOk(PLACE_ORDER, { input: { lines: [{ productId: SEED_PRODUCTS[product]!.id, quantity: 1 }] } }, token)).placeOrder.order.id as string;
  const story = (s: TestSubscription) => s.results.map((r) => [r.data?.orderStatusChanged?.orderId, r.data?.orderStatusChanged?.status]);
  const tells = (orderId: string, status: string) => (r: any) => r.data?.orderStatusChanged?.orderId === orderId && r.data.orderStatusChanged.status === status;
  const ready = async () => ((await (await fetch(`${t.baseUrl}/ready`)).json()) as { subscriptions: unknown }).subscriptions;

  it('given Alice (twice), Bob and an ADMIN on the same subscription, then one upstream serves them all, each customer gets only their own orders and the ADMIN every one', async () => {
    const subscribers = {
      alice: wsSubscribe(wsClient(t.url, alice), ORDER_STATUS),
      aliceAgain: wsSubscribe(wsClient(t.url, alice), ORDER_STATUS),
      bob: wsSubscribe(wsClient(t.url, bob), ORDER_STATUS),
      admin: wsSubscribe(wsClient(t.url, admin), ORDER_STATUS),
    };
    try {
      await eventually(() => t.stack.gateway.subscriptions.subscriberCount === 4, 'all four subscriptions started');
      expect(await ready()).toEqual({ clients: 4, topics: 1, upstreams: 1 });
      // One watch in the orders subgraph, live before the first order (the upstream counts from its subscribe message on).
      await eventually(() => liveWatchCount() === 1, 'the one upstream live in the subgraph');

      const a = await place(alice, 5);
      await subscribers.alice.waitUntil(tells(a, 'CONFIRMED'));
      // Bob's order after Alice's: the topic delivers the stream in order, so anything of hers would reach him first.
      const b = await place(bob, 9);
      await subscribers.bob.waitUntil(tells(b, 'CONFIRMED'));
      await subscribers.admin.waitUntil(tells(b, 'CONFIRMED'));
      await subscribers.aliceAgain.waitUntil(tells(a, 'CONFIRMED'));
      // And one more of Alice's, so that Bob's events, had they reached Alice, would be in her story before it.
      const c = await place(alice, 11);
      await subscribers.alice.waitUntil(tells(c, 'CONFIRMED'));
      await subscribers.aliceAgain.waitUntil(tells(c, 'CONFIRMED'));
      await subscribers.admin.waitUntil(tells(c, 'CONFIRMED'));

      const own = (id: string) => [
        [id, 'PENDING'],
        [id, 'CONFIRMED'],
      ];
      expect(story(subscribers.alice)).toEqual([...own(a), ...own(c)]);
      expect(story(subscribers.aliceAgain)).toEqual([...own(a), ...own(c)]);
      expect(story(subscribers.bob)).toEqual(own(b));
      expect(story(subscribers.admin)).toEqual([...own(a), ...own(b), ...own(c)]);
      // What each got is what their own subscription resolves: the order's fields, no trace of the gateway's owner key.
      const confirmed = subscribers.alice.results[1].data.orderStatusChanged;
      expect(confirmed).toEqual({
        cursor: expect.any(String),
        orderId: a,
        status: 'CONFIRMED',
        order: { id: a, total: { amount: expect.any(Number) }, lines: [{ product: { name: SEED_PRODUCTS[5]!.name } }] },
      });
      for (const s of Object.values(subscribers)) expect(s.results.every((r) => r.errors === undefined)).toBe(true);

      // Alice resumes from her first cursor: the catch-up reads every owner's events and hands her only hers (a's
      // confirmation, then c's two), with none of Bob's, and then she is on the shared topic again.
      const resumed = wsSubscribe(wsClient(t.url, alice), ORDER_STATUS, { after: subscribers.alice.results[0].data.orderStatusChanged.cursor });
      try {
        await resumed.waitUntil(tells(c, 'CONFIRMED'));
        await eventually(async () => JSON.stringify(await ready()) === JSON.stringify({ clients: 5, topics: 1, upstreams: 1 }), 'the catch-up done');
        const d = await place(alice, 12);
        await resumed.waitUntil(tells(d, 'CONFIRMED'));
        expect(story(resumed)).toEqual([[a, 'CONFIRMED'], ...own(c), ...own(d)]);
      } finally {
        await resumed.close();
      }
    } finally {
      for (const s of Object.values(subscribers)) await s.close();
    }
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0 && liveWatchCount() === 0, 'the upstream released');
  });

  it('keeps an upstream per viewer where the owner would not see what an ADMIN sees, or the subgraph checks an argument: one order by id, a customer’s email', async () => {
    const a = await place(alice, 13);
    const subscribers = [
      // Owner-filtered: shared by both.
      wsSubscribe(wsClient(t.url, alice), ORDER_STATUS),
      wsSubscribe(wsClient(t.url, bob), ORDER_STATUS),
      // `orderId` is checked by the orders subgraph when the subscription starts: per viewer.
      wsSubscribe(wsClient(t.url, alice), `subscription($id: ID) { orderStatusChanged(orderId: $id) { orderId status } }`, { id: a }),
      // `User.email` is not among what the owner sees as an ADMIN does: per viewer.
      wsSubscribe(wsClient(t.url, alice), `subscription { orderStatusChanged { orderId order { customer { email } } } }`),
      wsSubscribe(wsClient(t.url, bob), `subscription { orderStatusChanged { orderId order { customer { email } } } }`),
    ];
    const forbidden = wsSubscribe(wsClient(t.url, bob), `subscription($id: ID) { orderStatusChanged(orderId: $id) { orderId status } }`, { id: a });
    try {
      // The orders subgraph still judges `orderId` when the subscription starts: an error result, then the end.
      const refused = await forbidden.ended;
      expect(JSON.stringify([refused, forbidden.results])).toMatch(/"code":"FORBIDDEN"/);
      expect(forbidden.results.every((r) => !r.data?.orderStatusChanged)).toBe(true);
      await eventually(() => t.stack.gateway.subscriptions.subscriberCount === 5, 'five subscriptions started');
      expect(await ready()).toEqual({ clients: 5, topics: 4, upstreams: 4 });
      await eventually(() => liveWatchCount() === 4, 'the four upstreams live in the subgraph');
      const b = await place(bob, 14);
      await subscribers[4]!.waitUntil((r) => r.data?.orderStatusChanged?.orderId === b);
      expect(subscribers[4]!.results.every((r) => r.data.orderStatusChanged.orderId === b)).toBe(true);
      expect(subscribers[4]!.results[0].data.orderStatusChanged.order.customer.email).toBe('bob@example.com');
    } finally {
      for (const s of subscribers) await s.close();
      await forbidden.close();
    }
  });
});
