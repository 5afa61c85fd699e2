import { startTestStack, type TestStack } from '../support/testStack';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { wsClient, wsSubscribe } from '../support/subscriptionClients';
import { eventually } from '../support/eventually';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { DEFAULT_SUBGRAPH_TRANSPORT } from '../../gateway/transport/subgraphTransportSettings';
import type { GatewayPlugin } from '../../gateway/plugins/gatewayPlugin';
import WebSocket from 'ws';

const REVIEW_ADDED = `subscription($productId: ID!) { reviewAdded(productId: $productId) { cursor review { body author { name } product { name } } } }`;
const SEND_STALL_MS = 400;
const ADD_REVIEW = `mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }`;

/**
 * Issue 12, item 1: an event whose entity fetch fails is that event's error,
 * never the end of its shared topic. Products (which answers
 * `review.product.name`) sits behind a TCP proxy that is cut for one event.
 */
describe(`a shared subscription topic and a failing entity fetch (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  let products: TcpProxy | undefined;
  const errorCodesSent: string[][] = [];
  // Sees what the pipeline's subscribers were sent: every error a plain GraphQL error with a public code.
  const observer: GatewayPlugin = {
    name: 'observer',
    onResult: (_operation, result) => void errorCodesSent.push((result.errors ?? []).map((e) => String(e.extensions?.code))),
  };

  beforeAll(async () => {
    t = await startTestStack({
      // No breaker opening on the one failed fetch, no retry delaying it: each event is fetched as it comes.
      gateway: { subgraphTransport: { ...DEFAULT_SUBGRAPH_TRANSPORT, retries: 0, breakerFailures: 100 }, subscriptionSendStallMs: SEND_STALL_MS },
      gatewayPlugins: [observer],
      gatewaySubgraphUrl: async (name, url) => {
        if (name !== 'products') return url;
        const target = new URL(url);
        products = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
        return `http://127.0.0.1:${products.port}${target.pathname}`;
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await products?.close();
  });

  it('given two subscribers sharing reviewAdded, when products is unreachable for one event, then both get that event with a SUBGRAPH_UNAVAILABLE error and keep receiving the next events in full', async () => {
    const product = SEED_PRODUCTS[20]!;
    const clients = [wsClient(t.url), wsClient(t.url)];
    const subscribers = clients.map((client) => wsSubscribe(client, REVIEW_ADDED, { productId: product.id }));
    try {
      await Promise.all(subscribers.map((s) => s.waitFor(0)));
      await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1, 'the shared upstream subscription');
      // Each user may review a product once: three new users.
      const signUp = async (n: number) =>
        (
          await t.queryOk(`mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, {
            input: { email: `subscription-faults-${n}-${Date.now()}@example.com`, name: `Reviewer ${n}`, password: 'reviewer-password' },
          })
        ).signUp.token as string;
      const tokens = [await signUp(1), await signUp(2), await signUp(3)];
      const review = (token: string, body: string) => t.queryOk(ADD_REVIEW, { input: { productId: product.id, rating: 3, body } }, token);

      await review(tokens[0]!, 'Before the outage.');
      await Promise.all(subscribers.map((s) => s.waitFor(1)));
      await products!.cut();
      await review(tokens[1]!, 'During the outage.');
      await Promise.all(subscribers.map((s) => s.waitFor(2)));
      await products!.restore();
      await review(tokens[2]!, 'After the outage.');
      await Promise.all(subscribers.map((s) => s.waitFor(3)));

      for (const s of subscribers) {
        const [before, during, after] = s.results;
        expect(before.errors).toBeUndefined();
        expect(before.data.reviewAdded.review).toEqual({ body: 'Before the outage.', author: { name: expect.any(String) }, product: { name: product.name } });
        // `Review.product` is non-null, so the failed product nulls the review's event; the error says which service and where.
        expect(during.errors).toEqual([
          expect.objectContaining({
            path: ['reviewAdded', 'review', 'product', 'name'],
            extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'products' },
          }),
        ]);
        expect(after.errors).toBeUndefined();
        expect(after.data.reviewAdded.review).toEqual({ body: 'After the outage.', author: { name: expect.any(String) }, product: { name: product.name } });
      }
      // Both subscribers still on one topic, one upstream subscription: as /ready reports them.
      const ready = (await (await fetch(`${t.baseUrl}/ready`)).json()) as { subscriptions: unknown };
      expect(ready.subscriptions).toEqual({ clients: 2, topics: 1, upstreams: 1 });
      expect(errorCodesSent.flat().filter((code) => code !== 'SUBGRAPH_UNAVAILABLE')).toEqual([]);
    } finally {
      for (const s of subscribers) await s.close();
      for (const client of clients) await client.dispose();
    }
  });

  it('given 20 identical viewer-dependent subscriptions of one user and 20 of another arriving at once, then each user has one topic and one upstream subscription, and /ready counts them', async () => {
    const tokens = [await t.logIn('alice@example.com', 'alice-password'), await t.logIn('bob@example.com', 'bob-password')];
    // `customer { email }`: what an ADMIN sees of it differs from what the owner does, so it is not owner-filtered (ownerFilter.ts).
    const query = `subscription { orderStatusChanged { orderId status order { customer { email } } } }`;
    const clients = tokens.map((token) => wsClient(t.url, token));
    // One socket per user: its 20 subscribe messages leave together once the connection is acknowledged,
    // so they arrive in one burst, before any topic can have opened.
    const subscribers = clients.flatMap((client) => Array.from({ length: 20 }, () => wsSubscribe(client, query)));
    try {
      await eventually(() => t.stack.gateway.subscriptions.subscriberCount === 40, 'all 40 subscriptions started');

      const ready = (await (await fetch(`${t.baseUrl}/ready`)).json()) as { subscriptions: unknown };
      expect(ready.subscriptions).toEqual({ clients: 40, topics: 2, upstreams: 2 });
    } finally {
      for (const s of subscribers) await s.close();
      for (const client of clients) await client.dispose();
    }
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0, 'upstream subscriptions released');
  });

  it('given a client that stops reading while 100 of its subscriptions get large events, then it is disconnected as a slow consumer and a client on the same topic gets every event on time', async () => {
    const product = SEED_PRODUCTS[21]!;
    const query = `subscription($productId: ID!) { reviewAdded(productId: $productId) { cursor review { body } } }`;
    // A raw graphql-transport-ws client, to stop reading at the socket.
    const slow = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => slow.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => slow.once('open', () => resolve()).once('error', reject));
    slow.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise<void>((resolve) => slow.once('message', () => resolve()));
    for (let id = 0; id < 100; id += 1)
      slow.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query, variables: { productId: product.id } } }));
    const client = wsClient(t.url);
    const reader = wsSubscribe(client, query, { productId: product.id });
    await eventually(() => t.stack.gateway.subscriptions.subscriberCount === 101, 'all 101 subscriptions started');
    // From now on the slow client reads nothing (ws would resume its socket on its own: not any more), so its
    // kernel buffers fill and nothing more leaves the gateway for it.
    const socket = (slow as unknown as { _socket: { pause(): void; resume: () => void } })._socket;
    const resume = socket.resume.bind(socket);
    socket.pause();
    socket.resume = () => undefined;
    try {
      const body = 'A long review. '.repeat(130);
      let added = 0;
      // Each event is 100 messages of about 2 KB for the slow client; a few fill its TCP window.
      while (t.stack.gateway.subscriptions.subscriberCount > 1 && added < 60) {
        const token = (
          await t.queryOk(`mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, {
            input: { email: `slow-consumer-${added}-${Date.now()}@example.com`, name: `Reader ${added}`, password: 'reader-password' },
          })
        ).signUp.token as string;
        await t.queryOk(ADD_REVIEW, { input: { productId: product.id, rating: 4, body: `${added}: ${body}` } }, token);
        added += 1;
        // The reading client is never held up: each event reaches it before the next is added.
        await reader.waitFor(added, 2000);
      }

      await eventually(() => t.stack.gateway.subscriptions.subscriberCount === 1, 'the slow client’s 100 subscriptions to end');
      expect(reader.results.map((result) => Number(result.data.reviewAdded.review.body.split(':')[0]))).toEqual([...Array(added).keys()]);
      // Reading again, it finds what it left unread and then the end: the gateway closed it 4008, then cut the
      // connection when the close handshake did not come back in time (1006 when the cut arrives first).
      socket.resume = resume;
      resume();
      expect([4008, 1006]).toContain(await closed);
    } finally {
      slow.terminate();
      await reader.close();
      await client.dispose();
    }
  });
});
