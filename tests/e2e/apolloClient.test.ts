import WebSocket from 'ws';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { OperationTypeNode } from 'graphql';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { eventually } from '../support/eventually';
import { resultCollector } from '../support/subscriptionClients';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { liveWatchCount } from '../../platform/events/watchEvents';

const PRODUCTS = gql`
  query FirstProducts {
    products(first: 2) {
      edges {
        node {
          id
          name
          stock
        }
      }
    }
  }
`;
const PLACE = gql`
  mutation Place($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      order {
        id
        status
      }
    }
  }
`;
const ORDER_STATUS = gql`
  subscription OrderStatus($orderId: ID) {
    orderStatusChanged(orderId: $orderId) {
      cursor
      orderId
      status
      order {
        id
        lines {
          quantity
          product {
            id
            name
            stock
          }
        }
      }
    }
  }
`;

/** What one Apollo Client subscription has emitted so far, and the means to wait for more. */
interface Received {
  /** Every `next` value (`{ data, error?, extensions? }`), in order. */
  results: any[];
  /** Resolves when the observable completes or errors: the error, if any. */
  ended: Promise<unknown>;
  waitFor(count: number, timeoutMs?: number): Promise<any[]>;
  unsubscribe(): void;
}

// GraphQLWsLink reads the browser's global `WebSocket` when a graphql-ws `error` message (a refused
// subscription) arrives (`isLikeErrorEvent`); Node 20 has none (Node 22 does), so the test gives it the one browsers have.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/** Every subscription still open, so a failed test does not leave it running (client.stop() does not end them). */
const open = new Set<{ unsubscribe(): void }>();

function subscribe(client: ApolloClient, variables: Record<string, unknown> = {}): Received {
  const collected = resultCollector();
  let settle: (error?: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (settle = resolve));
  const subscription = client.subscribe({ query: ORDER_STATUS, variables }).subscribe({
    next: (result) => collected.push(result),
    error: (error) => settle(error),
    complete: () => settle(),
  });
  open.add(subscription);
  return {
    results: collected.results,
    ended,
    waitFor: collected.waitFor,
    unsubscribe: () => {
      open.delete(subscription);
      subscription.unsubscribe();
    },
  };
}

/** The real Apollo Client 4, as a frontend uses it, against the gateway: HTTP, multipart subscriptions and graphql-ws. */
describe(`Apollo Client 4 (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  let alice: string;
  const clients: ApolloClient[] = [];
  const wsClients: WsClient[] = [];

  beforeAll(async () => {
    t = await startTestStack();
    alice = await t.logIn('alice@example.com', 'alice-password');
    await t.settle();
  });
  afterEach(async () => {
    for (const subscription of open) subscription.unsubscribe();
    open.clear();
    for (const client of clients.splice(0)) client.stop();
    await Promise.all(wsClients.splice(0).map(async (client) => client.dispose()));
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0 && liveWatchCount() === 0, 'subscriptions released');
  });
  afterAll(async () => {
    await t?.close();
  });

  function apollo(link: ApolloLink): ApolloClient {
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    clients.push(client);
    return client;
  }
  function httpLink(token?: string): HttpLink {
    return new HttpLink({ uri: t.url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  }
  function httpClient(token?: string): ApolloClient {
    return apollo(httpLink(token));
  }
  /** As a frontend wires it: subscriptions over graphql-ws, queries and mutations over HTTP. */
  function wsLinkClient(token?: string): ApolloClient {
    const ws = createClient({
      url: t.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
    });
    wsClients.push(ws);
    return apollo(ApolloLink.split((operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION, new GraphQLWsLink(ws), httpLink(token)));
  }
  async function placeOrder(client: ApolloClient, productIndex: number): Promise<string> {
    const product = SEED_PRODUCTS[productIndex]!;
    expect(product.stock).toBeGreaterThan(0); // so that inventory confirms it
    const placed = await client.mutate({ mutation: PLACE, variables: { input: { lines: [{ productId: product.id, quantity: 1 }] } } });
    expect(placed.error).toBeUndefined();
    const order = (placed.data as any).placeOrder.order;
    expect(order.status).toBe('PENDING');
    return order.id;
  }
  function expectStory([pending, confirmed]: any[], orderId: string, productIndex: number): void {
    const product = SEED_PRODUCTS[productIndex]!;
    expect(pending.error).toBeUndefined();
    expect(pending.data.orderStatusChanged).toMatchObject({ orderId, status: 'PENDING' });
    expect(confirmed.error).toBeUndefined();
    expect(confirmed.data.orderStatusChanged).toMatchObject({ orderId, status: 'CONFIRMED' });
    expect(confirmed.data.orderStatusChanged.order.lines).toEqual([
      { __typename: 'OrderLine', quantity: 1, product: { __typename: 'Product', id: product.id, name: product.name, stock: expect.any(Number) } },
    ]);
  }

  it('queries, mutates and follows an order over HttpLink (multipart subscriptions)', async () => {
    const client = httpClient(alice);
    const products = await client.query({ query: PRODUCTS });
    expect(products.error).toBeUndefined();
    const edges = (products.data as any).products.edges;
    expect(edges).toHaveLength(2);
    for (const edge of edges) expect(edge.node).toEqual({ __typename: 'Product', id: expect.any(String), name: expect.any(String), stock: expect.any(Number) });

    const sub = subscribe(client);
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1, 'subscription live in the subgraph');
    const orderId = await placeOrder(client, 9);
    // Well before the first 5 s heartbeat: each part reaches Apollo Client as soon as it is written.
    expectStory(await sub.waitFor(2, 2_000), orderId, 9);
    sub.unsubscribe();
  });

  it('follows an order over GraphQLWsLink', async () => {
    const client = wsLinkClient(alice);
    const sub = subscribe(client);
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1, 'subscription live in the subgraph');
    const orderId = await placeOrder(client, 11);
    expectStory(await sub.waitFor(2), orderId, 11);
    sub.unsubscribe();
  });

  it.each([
    ['HttpLink', () => httpClient()],
    ['GraphQLWsLink', () => wsLinkClient()],
  ])('refuses an anonymous orderStatusChanged over %s with UNAUTHENTICATED', async (_name, make) => {
    const sub = subscribe(make());
    const [result] = await sub.waitFor(1);
    expect(result.data).toBeUndefined();
    // HttpLink: a `{"payload": null, "errors": […]}` part, surfaced as CombinedProtocolErrors;
    // graphql-ws: an `error`/`next` message, surfaced as CombinedGraphQLErrors. Both carry the errors.
    expect(result.error).toBeInstanceOf(Error);
    const errors = result.error.errors;
    expect(errors?.map((error: any) => error.extensions?.code)).toContain('UNAUTHENTICATED');
    expect(await sub.ended).toBeUndefined();
    expect(sub.results).toHaveLength(1);
  });
});
