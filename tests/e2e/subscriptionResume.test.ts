import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { eventually } from '../support/eventually';
import { wsClient, wsSubscribe, type TestSubscription } from '../support/subscriptionClients';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { liveWatchCount } from '../../platform/events/watchEvents';

// `product { name }` comes from the products subgraph: every event, caught up or live, is resolved through the plan's `rest`.
const STOCK = `subscription($p: ID!, $after: String) { stockChanged(productId: $p, after: $after) { cursor stock change product { name } } }`;
const RESTOCK = `mutation($input: RestockInput!) { restock(input: $input) { product { stock } } }`;

/**
 * Resuming with `after` into a topic that is live for other subscribers: the
 * subscriber shares the topic's one upstream subscription, and gets the events
 * after its cursor that it missed from a catch-up of its own first — no gap,
 * no repeat, in order (issue 12, item 2).
 */
describe(`resuming into a live subscription topic (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  let admin: string;
  beforeAll(async () => {
    t = await startTestStack();
    admin = await t.logIn('admin@example.com', 'admin-password');
    await t.settle();
  });
  afterAll(async () => {
    await t?.close();
  });

  const restock = (productId: string) => t.queryOk(RESTOCK, { input: { productId, quantity: 1 } }, admin);
  /** The cursors of what `s` received, in order. */
  const cursors = (s: TestSubscription) => s.results.map((r) => r.data?.stockChanged?.cursor);
  /** A witness that has every event of `productId` from now on: the stream's order, which every subscriber must see. */
  async function witness(productId: string): Promise<TestSubscription> {
    const s = wsSubscribe(wsClient(t.url), STOCK, { p: productId });
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1, 'the witness live in the subgraph');
    return s;
  }

  it('given twenty subscribers resuming at different cursors while restocks keep coming, then each gets exactly the events after its cursor, over one upstream', async () => {
    const product = SEED_PRODUCTS[3]!;
    const live = await witness(product.id);
    for (let i = 0; i < 20; i++) await restock(product.id);
    await live.waitFor(20);

    // Restocks go on while the twenty subscribe, each once the witness has seen one more: they join a topic that is moving.
    const total = 60;
    const publishing = (async () => {
      for (let i = 20; i < total; i++) await restock(product.id);
    })();
    const resumed: Array<{ from: number; s: TestSubscription }> = [];
    for (let i = 0; i < 20; i++) {
      await live.waitFor(21 + i);
      // Cursors from far behind (the first events) to the newest the witness has.
      const from = (i * 7) % (20 + i);
      resumed.push({ from, s: wsSubscribe(wsClient(t.url), STOCK, { p: product.id, after: live.results[from].data.stockChanged.cursor }) });
    }
    await publishing;

    const all = (await live.waitFor(total)).map((r) => r.data.stockChanged.cursor);
    expect(new Set(all).size).toBe(total);
    for (const { from, s } of resumed) {
      await s.waitUntil((r) => r.data?.stockChanged?.cursor === all[total - 1]);
      expect(s.results.every((r) => r.errors === undefined && r.data.stockChanged.product.name === product.name)).toBe(true);
      expect(cursors(s)).toEqual(all.slice(from + 1));
      // The stock each change left, as the witness saw it: the same events, resolved alike.
      expect(s.results.map((r) => r.data.stockChanged.stock)).toEqual(live.results.slice(from + 1).map((r) => r.data.stockChanged.stock));
    }
    // The catch-ups are over: one upstream subscription, one subgraph watch, for the twenty-one subscribers.
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1, 'the catch-ups released');
    expect(t.stack.gateway.subscriptions.subscriberCount).toBe(21);

    await Promise.all([live, ...resumed.map(({ s }) => s)].map((s) => s.close()));
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0 && liveWatchCount() === 0, 'released');
  });

  it('given a burst of restocks racing a resume from the first cursor, then the subscriber gets every event once, in order, and moves to the live topic', async () => {
    const product = SEED_PRODUCTS[4]!;
    const live = await witness(product.id);
    await restock(product.id);
    const [first] = await live.waitFor(1);
    const after = first.data.stockChanged.cursor;

    // Each round resumes from the same old cursor at another moment of a burst of concurrent restocks.
    const rounds = 5;
    const perRound = 8;
    const resumed: TestSubscription[] = [];
    for (let round = 0; round < rounds; round++) {
      const burst = Promise.all(Array.from({ length: perRound }, () => restock(product.id)));
      await live.waitFor(1 + round * perRound + (round % perRound));
      resumed.push(wsSubscribe(wsClient(t.url), STOCK, { p: product.id, after }));
      await burst;
    }
    const total = 1 + rounds * perRound;
    const all = (await live.waitFor(total)).map((r) => r.data.stockChanged.cursor);
    // The marker: one more event, after everything, that each must reach through the live topic.
    await restock(product.id);
    const [, marker] = (await live.waitFor(total + 1)).slice(total - 1);
    for (const s of resumed) {
      await s.waitUntil((r) => r.data?.stockChanged?.cursor === marker.data.stockChanged.cursor);
      expect(cursors(s)).toEqual([...all.slice(1), marker.data.stockChanged.cursor]);
    }
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1, 'one upstream subscription left');

    await Promise.all([live, ...resumed].map((s) => s.close()));
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0 && liveWatchCount() === 0, 'released');
  });
});
