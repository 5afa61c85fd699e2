import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { SubscribePayload } from 'graphql-ws';
import { GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { createLogger } from '../../platform/logger';
import type { Clock } from '../../platform/clock';
import { eventually } from '../../tests/support/eventually';
import type { GatewayContext } from '../context';
import { GatewayPipeline, type GatewayOperation } from '../plugins/gatewayPlugin';
import { identityPlugin } from '../plugins/identity';
import { SubgraphDataSource } from '../subgraphDataSource';
import { SubgraphTransport } from '../transport/subgraphTransport';
import { SubscriptionPlanner, primaryVariables } from './subscriptionPlanner';
import { SubscriptionEventResolver } from './subscriptionEventResolver';
import { IDENTITY_EXTENSION, UpstreamSubscriptionError, UpstreamSubscriptionPool } from './upstream';

// Two real subgraphs: `reviews` owns the subscription and serves it over graphql-ws;
// `products` owns product names. Both answer entity fetches over HTTP.

interface StoredReview {
  id: string;
  body: string;
  productId: string;
  relatedIds: string[];
}

/** A feed that subscribers' iterators are pushed into; `active` counts open subscriber iterators. */
class ReviewFeed {
  private readonly subscribers = new Set<(review: StoredReview) => void>();
  /** Every review published, in order: `c<n>` is the cursor of the n-th. */
  private readonly log: StoredReview[] = [];

  get active(): number {
    return this.subscribers.size;
  }

  publish(review: StoredReview): void {
    this.log.push(review);
    for (const push of this.subscribers) push(review);
  }

  cursorOf(review: StoredReview): string {
    return `c${this.log.indexOf(review) + 1}`;
  }

  /** The reviews from the one at `after` on — that one included, as a careless subgraph would replay it. */
  from(after: string | null | undefined): StoredReview[] {
    return after ? this.log.slice(Number(after.slice(1)) - 1) : [];
  }

  // A hand-written iterator rather than an async generator: a generator awaiting
  // its next value would not run `return()` (and its cleanup) until one arrives.
  subscribe(productId?: string | null, replay: StoredReview[] = []): AsyncIterableIterator<StoredReview> {
    const queue: StoredReview[] = [...replay];
    let waiting: ((result: IteratorResult<StoredReview>) => void) | undefined;
    const push = (review: StoredReview): void => {
      if (productId && review.productId !== productId) return;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: review, done: false });
      } else queue.push(review);
    };
    this.subscribers.add(push);
    const iterator: AsyncIterableIterator<StoredReview> = {
      next: () => {
        const review = queue.shift();
        if (review) return Promise.resolve({ value: review, done: false });
        if (!this.subscribers.has(push)) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        this.subscribers.delete(push);
        waiting?.({ value: undefined, done: true });
        waiting = undefined;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

const reviewsTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { review(id: ID!): Review }
  type Subscription { reviewAdded(productId: ID): Review! reviewLog(after: String): LoggedReview! }
  type LoggedReview { cursor: String! review: Review! }
  type Review @key(fields: "id") { id: ID! body: String product: Product! related: [Product!]! }
  type Product @key(fields: "id", resolvable: false) { id: ID! }
`);

const productsTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { product(id: ID!): Product }
  type Product @key(fields: "id") { id: ID! name: String featuredReview: Review }
  type Review @key(fields: "id", resolvable: false) { id: ID! }
`);

const storedReviews = new Map<string, StoredReview>([['r-featured', { id: 'r-featured', body: 'The one to read', productId: 'p1', relatedIds: [] }]]);
const productNames: Record<string, string> = { p1: 'Kettle', p2: 'Teapot', p3: 'Mug', p4: 'Tray' };

function reviewsSchema(feed: ReviewFeed): GraphQLSchema {
  return buildSubgraphSchema({
    typeDefs: reviewsTypeDefs,
    resolvers: {
      Query: { review: (_: unknown, { id }: { id: string }) => storedReviews.get(id) ?? null },
      Subscription: {
        reviewAdded: {
          subscribe: (_: unknown, { productId }: { productId?: string | null }) => feed.subscribe(productId),
          resolve: (review: StoredReview) => review,
        },
        reviewLog: {
          subscribe: (_: unknown, { after }: { after?: string | null }) => feed.subscribe(null, feed.from(after)),
          resolve: (review: StoredReview) => ({ cursor: feed.cursorOf(review), review }),
        },
      },
      Review: {
        __resolveReference: ({ id }: { id: string }) => storedReviews.get(id) ?? null,
        body: (review: StoredReview) => {
          if (review.body === 'boom') throw new GraphQLError('The review body could not be read.', { extensions: { code: 'NOT_FOUND' } });
          return review.body;
        },
        product: (review: StoredReview) => ({ __typename: 'Product', id: review.productId }),
        related: (review: StoredReview) => review.relatedIds.map((id) => ({ __typename: 'Product', id })),
      },
    },
  });
}

const productsSchema = buildSubgraphSchema({
  typeDefs: productsTypeDefs,
  resolvers: {
    Query: { product: (_: unknown, { id }: { id: string }) => ({ id }) },
    Product: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      name: ({ id }: { id: string }) => {
        if (id === 'broken') throw new GraphQLError('Product broken has no name.', { extensions: { code: 'NOT_FOUND' } });
        return productNames[id] ?? null;
      },
      featuredReview: ({ id }: { id: string }) => (id === 'p1' ? { __typename: 'Review', id: 'r-featured' } : null),
    },
  },
});

interface SubgraphRequest {
  headers: IncomingHttpHeaders;
  body: { query: string; variables?: { representations?: unknown[] } & Record<string, unknown> };
}

interface ServedSubgraph {
  url: string;
  /** Every GraphQL request received over HTTP, in order. */
  requests: SubgraphRequest[];
  /** Every subscribe payload received over graphql-ws, in order. */
  subscribePayloads: SubscribePayload[];
  /** Cuts every WebSocket connection abruptly, as a crashed or restarted subgraph would. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Serves a subgraph schema over HTTP (Apollo Server on node:http) and, if asked, over graphql-ws at the same `/graphql`. */
async function serveSubgraph(schema: GraphQLSchema, withWebSocket: boolean): Promise<ServedSubgraph> {
  const apollo = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  await apollo.start();
  const requests: SubgraphRequest[] = [];
  const subscribePayloads: SubscribePayload[] = [];

  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : undefined;
      if (body) requests.push({ headers: req.headers, body: body as SubgraphRequest['body'] });
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: new URL(req.url ?? '/', 'http://subgraph').search, body },
        context: async () => ({}),
      });
      res.statusCode = response.status ?? 200;
      for (const [key, value] of response.headers) res.setHeader(key, value);
      if (response.body.kind === 'complete') res.end(response.body.string);
      else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });

  let wsServer: WebSocketServer | undefined;
  let wsCleanup: { dispose(): void | Promise<void> } | undefined;
  if (withWebSocket) {
    wsServer = new WebSocketServer({ server, path: '/graphql', maxPayload: 1024 * 1024 });
    wsCleanup = useServer(
      {
        schema,
        onSubscribe: (_ctx, _id, payload) => {
          subscribePayloads.push(payload);
        },
      },
      wsServer,
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    subscribePayloads,
    dropConnections: () => {
      for (const socket of wsServer?.clients ?? []) socket.terminate();
    },
    close: async () => {
      await wsCleanup?.dispose();
      wsServer?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}

const entityRequests = (subgraph: ServedSubgraph): SubgraphRequest[] => subgraph.requests.filter((r) => r.body.query.includes('_entities'));

describe('federated subscriptions', () => {
  const feed = new ReviewFeed();
  let reviews: ServedSubgraph;
  let products: ServedSubgraph;
  let planner: SubscriptionPlanner;
  let dataSources: Record<string, SubgraphDataSource>;
  let pool: UpstreamSubscriptionPool;
  let resolver: SubscriptionEventResolver;
  const transport = new SubgraphTransport();
  const logger = createLogger('subscriptions-test', 'silent');
  // The caller's identity and request id reach subgraph requests through the pipeline's subgraph-request hooks.
  const pipeline = new GatewayPipeline([
    {
      name: 'fixedHeaders',
      onSubgraphRequest: (_operation, request) => {
        request.headers.set('x-gateway-identity', 'token-1');
        request.headers.set('x-request-id', 'req-1');
      },
    },
  ]);
  const operationOf = (viewer: GatewayOperation['request']['viewer']): GatewayOperation => {
    const request = GatewayPipeline.newRequest('graphql-ws', {}, undefined);
    request.requestId = 'req-1';
    request.viewer = viewer;
    return GatewayPipeline.newOperation(request, null);
  };
  const context: GatewayContext = { operation: operationOf({ userId: 'u1', role: 'CUSTOMER', expiresAt: Number.MAX_SAFE_INTEGER }) };
  const identityToken = 'token-1';

  beforeAll(async () => {
    reviews = await serveSubgraph(reviewsSchema(feed), true);
    products = await serveSubgraph(productsSchema, false);
    const composed = composeServices([
      { name: 'reviews', url: reviews.url, typeDefs: reviewsTypeDefs },
      { name: 'products', url: products.url, typeDefs: productsTypeDefs },
    ]);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    planner = new SubscriptionPlanner(composed.supergraphSdl);
    dataSources = {
      reviews: new SubgraphDataSource('reviews', transport.client('reviews', [reviews.url]), pipeline),
      products: new SubgraphDataSource('products', transport.client('products', [products.url]), pipeline),
    };
    pool = new UpstreamSubscriptionPool({ subgraphUrls: { reviews: [reviews.url], products: [products.url] }, lazyCloseTimeoutMs: 0 });
    resolver = new SubscriptionEventResolver({ dataSources, logger });
  });

  afterAll(async () => {
    await transport.close();
    await pool?.close();
    await reviews?.close();
    await products?.close();
  });

  beforeEach(() => {
    reviews.requests.length = 0;
    reviews.subscribePayloads.length = 0;
    products.requests.length = 0;
  });

  afterEach(async () => {
    // Every test leaves nothing open upstream.
    await eventually(() => pool.activeSubscriptions === 0 && feed.active === 0, 'no upstream subscription left open');
  });

  it('resolves each event with fields from the other subgraph, fetched with the caller identity', async () => {
    const plan = planner.plan(parse('subscription OnReview { reviewAdded { id product { name } } }'), 'OnReview');
    expect(plan.serviceName).toBe('reviews');
    expect(plan.hasRest).toBe(true);
    expect(plan.primaryOperation).toContain('product{__typename id}');

    const upstream = pool.subscribe(plan.serviceName, {
      query: plan.primaryOperation,
      operationName: plan.primaryOperationName,
      variables: primaryVariables(plan, {}),
      extensions: { [IDENTITY_EXTENSION]: identityToken },
    });
    await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');
    expect(pool.activeSubscriptions).toBe(1);
    // The gateway also asks every subgraph to acknowledge the subscription with its start cursor (`platform/http/subscriptionStart.ts`).
    expect(reviews.subscribePayloads[0]?.extensions).toEqual({ identity: 'token-1', startCursor: true });

    feed.publish({ id: 'r1', body: 'Boils fast', productId: 'p1', relatedIds: [] });
    feed.publish({ id: 'r2', body: 'Pours well', productId: 'p2', relatedIds: [] });

    const results = [];
    for await (const event of upstream) {
      results.push(await resolver.resolve(plan, event, {}, context));
      if (results.length === 2) break;
    }
    expect(results).toEqual([
      { data: { reviewAdded: { id: 'r1', product: { name: 'Kettle' } } } },
      { data: { reviewAdded: { id: 'r2', product: { name: 'Teapot' } } } },
    ]);
    // One `_entities` fetch per event, through the gateway's data source: signed identity and request id included.
    const fetches = entityRequests(products);
    expect(fetches).toHaveLength(2);
    expect(fetches.map((f) => f.body.variables?.representations)).toEqual([[{ __typename: 'Product', id: 'p1' }], [{ __typename: 'Product', id: 'p2' }]]);
    expect(fetches.map((f) => f.headers['x-gateway-identity'])).toEqual(['token-1', 'token-1']);
    expect(fetches.map((f) => f.headers['x-request-id'])).toEqual(['req-1', 'req-1']);
    // Breaking out of `for await` cancelled the upstream subscription.
    expect(pool.activeSubscriptions).toBe(0);
  });

  it('batches the entities of one event into one fetch per subgraph per step, back to the owning subgraph too', async () => {
    const plan = planner.plan(parse('subscription { reviewAdded { related { name featuredReview { body } } } }'));
    const upstream = pool.subscribe(plan.serviceName, { query: plan.primaryOperation, variables: primaryVariables(plan, {}) });
    await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');

    feed.publish({ id: 'r3', body: 'Set of three', productId: 'p1', relatedIds: ['p1', 'p2', 'p3'] });
    const event = await upstream.next();
    upstream.cancel();
    const result = await resolver.resolve(plan, event.value, {}, context);

    expect(result).toEqual({
      data: {
        reviewAdded: {
          related: [
            { name: 'Kettle', featuredReview: { body: 'The one to read' } },
            { name: 'Teapot', featuredReview: null },
            { name: 'Mug', featuredReview: null },
          ],
        },
      },
    });
    const productFetches = entityRequests(products);
    expect(productFetches).toHaveLength(1);
    expect(productFetches[0]?.body.variables?.representations).toHaveLength(3);
    // The primary came from the event; the featured review's body was an entity fetch to `reviews` over HTTP.
    const reviewFetches = entityRequests(reviews);
    expect(reviewFetches).toHaveLength(1);
    expect(reviewFetches[0]?.body.variables?.representations).toEqual([{ __typename: 'Review', id: 'r-featured' }]);
  });

  it('reports upstream errors and entity fetch errors as a query result does', async () => {
    const plan = planner.plan(parse('subscription { reviewAdded { id body product { name } } }'));
    const upstream = pool.subscribe(plan.serviceName, { query: plan.primaryOperation });
    await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');

    feed.publish({ id: 'r4', body: 'boom', productId: 'broken', relatedIds: [] });
    const event = await upstream.next();
    await upstream.return?.();
    const result = await resolver.resolve(plan, event.value, {}, context);

    expect(result.data).toEqual({ reviewAdded: { id: 'r4', body: null, product: { name: null } } });
    expect(result.errors?.map((e) => ({ message: e.message, path: e.path, code: e.extensions.code, serviceName: e.extensions.serviceName }))).toEqual([
      { message: 'The review body could not be read.', path: ['reviewAdded', 'body'], code: 'NOT_FOUND', serviceName: 'reviews' },
      { message: 'Product broken has no name.', path: ['reviewAdded', 'product', 'name'], code: 'NOT_FOUND', serviceName: 'products' },
    ]);
  });

  it('sends only the primary variables upstream and evaluates @include on the rest', async () => {
    const document = parse(
      'subscription ($product: ID, $withName: Boolean!) { reviewAdded(productId: $product) { id product { id name @include(if: $withName) } } }',
    );
    const plan = planner.plan(document);
    const variables = { product: 'p2', withName: false };
    expect(primaryVariables(plan, variables)).toEqual({ product: 'p2' });

    const upstream = pool.subscribe(plan.serviceName, { query: plan.primaryOperation, variables: primaryVariables(plan, variables) });
    await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');
    feed.publish({ id: 'r5', body: 'Not this one', productId: 'p1', relatedIds: [] });
    feed.publish({ id: 'r6', body: 'This one', productId: 'p2', relatedIds: [] });
    const event = await upstream.next();
    upstream.cancel();

    expect(await resolver.resolve(plan, event.value, variables, context)).toEqual({ data: { reviewAdded: { id: 'r6', product: { id: 'p2' } } } });
    expect(entityRequests(products)).toHaveLength(0);
  });

  it('signs a fresh identity for entity fetches once the last one has aged', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const clock: Clock = { now: () => new Date(now) };
    let signed = 0;
    // The identity plugin is the one re-signing mechanism: entity fetches of a long subscription go through it.
    const signing = new GatewayPipeline([
      identityPlugin({
        authenticate: async () => null,
        identitySecret: new Uint8Array(32),
        clock,
        maxAgeMs: 30_000,
        sign: async (viewer) => `signed-${viewer.userId}-${++signed}`,
      }),
    ]);
    const refreshing = new SubscriptionEventResolver({
      dataSources: { products: new SubgraphDataSource('products', transport.client('products', [products.url]), signing) },
      logger,
    });
    const context = { operation: operationOf({ userId: 'u1', role: 'CUSTOMER', expiresAt: Number.MAX_SAFE_INTEGER }) };
    const plan = planner.plan(parse('subscription { reviewAdded { product { name } } }'));
    const event = { data: { reviewAdded: { product: { __typename: 'Product', id: 'p3' } } } };

    await refreshing.resolve(plan, event, {}, context);
    now += 10_000;
    await refreshing.resolve(plan, event, {}, context);
    now += 25_000;
    const result = await refreshing.resolve(plan, event, {}, context);

    expect(result).toEqual({ data: { reviewAdded: { product: { name: 'Mug' } } } });
    expect(entityRequests(products).map((f) => f.headers['x-gateway-identity'])).toEqual(['signed-u1-1', 'signed-u1-1', 'signed-u1-2']);
    // The event was not modified by resolving it.
    expect(event).toEqual({ data: { reviewAdded: { product: { __typename: 'Product', id: 'p3' } } } });
  });

  it('counts active upstream subscriptions and returns to zero when every subscriber leaves', async () => {
    const plan = planner.plan(parse('subscription { reviewAdded { id } }'));
    expect(plan.hasRest).toBe(false);
    const subscriptions = [1, 2, 3].map(() => pool.subscribe(plan.serviceName, { query: plan.primaryOperation }));
    await eventually(() => feed.active === 3, 'three subscriptions on the reviews subgraph');
    expect(pool.activeSubscriptions).toBe(3);

    feed.publish({ id: 'r7', body: 'Fine', productId: 'p1', relatedIds: [] });
    const [first, second, third] = subscriptions;
    expect(await resolver.resolve(plan, (await first!.next()).value, {}, context)).toEqual({ data: { reviewAdded: { id: 'r7' } } });

    first!.cancel();
    first!.cancel();
    expect(pool.activeSubscriptions).toBe(2);
    await second!.return?.();
    expect(pool.activeSubscriptions).toBe(1);
    expect((await third!.next()).value).toEqual({ data: { reviewAdded: { id: 'r7' } } });
    // A pending read ends when its subscription is cancelled.
    const pending = third!.next();
    third!.cancel();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(pool.activeSubscriptions).toBe(0);
    await eventually(() => feed.active === 0, 'the reviews subgraph to end its subscriptions');
  });

  it('sends a subscription not yet started again after a lost connection, presenting the extensions as they are then', async () => {
    const plan = planner.plan(parse('subscription { reviewAdded { id product { name } } }'));
    let token = 'token-before';
    const upstream = pool.subscribe(plan.serviceName, { query: plan.primaryOperation, extensions: () => ({ [IDENTITY_EXTENSION]: token }) });
    await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');

    token = 'token-after';
    reviews.dropConnections();
    // This subgraph neither acknowledges subscriptions nor has sent an event yet: nothing can have been missed, so it is sent again.
    await eventually(() => reviews.subscribePayloads.length === 2 && feed.active === 1, 'the subscription to be sent again');
    expect(reviews.subscribePayloads.map((payload) => payload.extensions)).toEqual([
      { identity: 'token-before', startCursor: true },
      { identity: 'token-after', startCursor: true },
    ]);
    expect(pool.activeSubscriptions).toBe(1);

    feed.publish({ id: 'r8', body: 'After the outage', productId: 'p4', relatedIds: [] });
    const event = await upstream.next();
    upstream.cancel();
    expect(await resolver.resolve(plan, event.value, {}, context)).toEqual({ data: { reviewAdded: { id: 'r8', product: { name: 'Tray' } } } });
  });

  it('ends a started subscription that cannot resume (no cursor convention) when its connection is lost, after what it received', async () => {
    const upstream = pool.subscribe('reviews', { query: 'subscription { reviewAdded { id } }' });
    await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');
    feed.publish({ id: 'r9', body: 'Before the outage', productId: 'p1', relatedIds: [] });
    expect((await upstream.next()).value).toEqual({ data: { reviewAdded: { id: 'r9' } } });

    reviews.dropConnections();
    // Events published while it was away could not be fetched again: the subscriber is told instead of missing them silently.
    const failure = await upstream.next().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamSubscriptionError);
    expect(failure).toMatchObject({ serviceName: 'reviews', closeCode: 1006, errors: undefined });
    expect(reviews.subscribePayloads).toHaveLength(1);
    expect(pool.activeSubscriptions).toBe(0);
  });

  it('resumes a subscription that follows the cursor convention after the last cursor received, and drops a repeat of that event', async () => {
    const upstream = pool.subscribe('reviews', {
      query: 'subscription ($after: String) { reviewLog(after: $after) { cursor review { id } } }',
      variables: { after: null },
      resume: { afterVariable: 'after', cursorOf: (result) => (result.data?.reviewLog as { cursor?: string } | undefined)?.cursor },
    });
    await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');
    feed.publish({ id: 'l1', body: 'One', productId: 'p1', relatedIds: [] });
    feed.publish({ id: 'l2', body: 'Two', productId: 'p1', relatedIds: [] });
    const take = async (count: number) => {
      const received: Array<{ cursor: string; review: { id: string } }> = [];
      while (received.length < count) received.push((await upstream.next()).value.data.reviewLog);
      return received;
    };
    const before = await take(2);
    expect(before.map((logged) => logged.review.id)).toEqual(['l1', 'l2']);

    reviews.dropConnections();
    await eventually(() => feed.active === 0, 'the reviews subgraph to end the dropped subscription');
    feed.publish({ id: 'l3', body: 'Three, while away', productId: 'p1', relatedIds: [] });
    await eventually(() => reviews.subscribePayloads.length === 2 && feed.active === 1, 'the subscription to be sent again');
    feed.publish({ id: 'l4', body: 'Four', productId: 'p1', relatedIds: [] });

    // Sent again after l2's cursor; this subgraph replays l2 itself too, which is dropped.
    expect(reviews.subscribePayloads.map((payload) => payload.variables)).toEqual([{ after: null }, { after: before[1]!.cursor }]);
    expect((await take(2)).map((logged) => logged.review.id)).toEqual(['l3', 'l4']);
    upstream.cancel();
  });

  it('ends a subscription whose reader falls too far behind, after the results it holds', async () => {
    const small = new UpstreamSubscriptionPool({ subgraphUrls: { reviews: [reviews.url] }, maxQueuedResults: 2, lazyCloseTimeoutMs: 0 });
    try {
      const upstream = small.subscribe('reviews', { query: 'subscription { reviewAdded { id } }' });
      await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');
      for (const id of ['q1', 'q2', 'q3']) feed.publish({ id, body: 'Queued', productId: 'p1', relatedIds: [] });
      await eventually(() => small.activeSubscriptions === 0, 'the slow subscription to be ended');

      expect((await upstream.next()).value).toEqual({ data: { reviewAdded: { id: 'q1' } } });
      expect((await upstream.next()).value).toEqual({ data: { reviewAdded: { id: 'q2' } } });
      await expect(upstream.next()).rejects.toThrow('The subscription to subgraph "reviews" fell more than 2 results behind and was ended.');
      await expect(upstream.next()).resolves.toEqual({ value: undefined, done: true });
    } finally {
      await small.close();
    }
  });

  it('completes every subscription when the pool closes', async () => {
    const closing = new UpstreamSubscriptionPool({ subgraphUrls: { reviews: [reviews.url] }, lazyCloseTimeoutMs: 0 });
    const upstream = closing.subscribe('reviews', { query: 'subscription { reviewAdded { id } }' });
    await eventually(() => feed.active === 1, 'the reviews subgraph to see the subscription');
    const pending = upstream.next();
    await closing.close();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(closing.activeSubscriptions).toBe(0);
    expect(() => closing.subscribe('reviews', { query: 'subscription { reviewAdded { id } }' })).toThrow('The upstream subscription pool is closed.');
  });

  it('ends with an UpstreamSubscriptionError when the subgraph refuses the operation', async () => {
    const upstream = pool.subscribe('reviews', { query: 'subscription { reviewRemoved { id } }' });
    const failure = await upstream.next().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamSubscriptionError);
    expect(failure).toMatchObject({
      serviceName: 'reviews',
      message: expect.stringContaining('Subgraph "reviews" refused the subscription: Cannot query field "reviewRemoved"'),
      errors: [expect.objectContaining({ message: expect.stringContaining('reviewRemoved') })],
    });
    expect(pool.activeSubscriptions).toBe(0);
    await expect(upstream.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('ends with an UpstreamSubscriptionError when the subgraph cannot be reached and retrying is off', async () => {
    const unreachable = new UpstreamSubscriptionPool({ subgraphUrls: { reviews: ['http://127.0.0.1:9/graphql'] }, retryMs: 0, lazyCloseTimeoutMs: 0 });
    try {
      const upstream = unreachable.subscribe('reviews', { query: 'subscription { reviewAdded { id } }' });
      expect(unreachable.activeSubscriptions).toBe(1);
      const failure = await upstream.next().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UpstreamSubscriptionError);
      expect((failure as Error).message).toBe('The subscription to subgraph "reviews" failed: connect ECONNREFUSED 127.0.0.1:9');
      expect(unreachable.activeSubscriptions).toBe(0);
    } finally {
      await unreachable.close();
    }
  });

  it('ends with an UpstreamSubscriptionError naming the bound when no replica can be reached within retryMs', async () => {
    const unreachable = new UpstreamSubscriptionPool({
      subgraphUrls: { reviews: ['http://127.0.0.1:9/graphql', 'http://127.0.0.1:7/graphql'] },
      retryMs: 500,
      lazyCloseTimeoutMs: 0,
    });
    try {
      const started = Date.now();
      const upstream = unreachable.subscribe('reviews', { query: 'subscription { reviewAdded { id } }' });
      const failure = await upstream.next().catch((error: unknown) => error);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(failure).toBeInstanceOf(UpstreamSubscriptionError);
      expect((failure as Error).message).toMatch(
        /^No replica of subgraph "reviews" took the subscription back within 500 ms; last: The subscription to subgraph "reviews" failed: connect ECONNREFUSED 127\.0\.0\.1:[79]$/,
      );
      expect(unreachable.activeSubscriptions).toBe(0);
      expect(unreachable.subscriptionsPerReplica('reviews')).toEqual({ 'http://127.0.0.1:9/graphql': 0, 'http://127.0.0.1:7/graphql': 0 });
    } finally {
      await unreachable.close();
    }
  });
});
