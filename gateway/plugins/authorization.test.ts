import { startTestStack, type TestStack } from '../../tests/support/testStack';
import { eventually } from '../../tests/support/eventually';
import { multipartSubscribe, wsClient, wsSubscribe } from '../../tests/support/subscriptionClients';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { readCommonConfig } from '../../platform/config';
import { liveWatchCount } from '../../platform/events/watchEvents';
import { readGatewaySettings } from '../gatewayConfig';
import type { GatewayPlugin } from './gatewayPlugin';
import { PLACEHOLDER } from './authorization';

/** Counts the requests the gateway sends to each subgraph (fetches and upstream subscriptions). */
function subgraphRequestCounter(): GatewayPlugin & { counts: Record<string, number>; total(): number; reset(): void } {
  const counts: Record<string, number> = {};
  return {
    name: 'subgraphRequestCounter',
    counts,
    total: () => Object.values(counts).reduce((sum, n) => sum + n, 0),
    reset: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
    onSubgraphRequest(_operation, request) {
      counts[request.subgraph] = (counts[request.subgraph] ?? 0) + 1;
    },
  };
}

const NEW_PRODUCT = `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id sku } } }`;
const productInput = (sku: string) => ({
  input: { sku, name: 'Forbidden fruit', price: { amount: 100, currency: 'USD' }, weightGrams: 10, category: 'books' },
});
const ORDER_STATUS = `subscription { orderStatusChanged { orderId status } }`;

describe('authorization plugin (@authenticated, @requiresScopes), filter mode', () => {
  let t: TestStack;
  const requests = subgraphRequestCounter();
  let alice: string;
  let aliceId: string;
  let admin: string;
  beforeAll(async () => {
    t = await startTestStack({ gatewayPlugins: [requests] });
    alice = await t.logIn('alice@example.com', 'alice-password');
    admin = await t.logIn('admin@example.com', 'admin-password');
    aliceId = (await t.queryOk('{ me { id } }', undefined, alice)).me.id;
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => requests.reset());

  it('given an anonymous caller, when it asks for an @authenticated field beside public ones, then that field is null with UNAUTHENTICATED at its path and the rest is answered', async () => {
    const result = await t.query(`query($id: ID!) { user(id: $id) { name email } products(first: 2) { totalCount edges { node { name } } } }`, { id: aliceId });
    expect(result.status).toBe(200);
    expect(result.data?.user).toBeNull();
    expect(result.data?.products.totalCount).toBe(40);
    expect(result.data?.products.edges).toHaveLength(2);
    expect(result.errors).toEqual([expect.objectContaining({ path: ['user'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    expect(result.errors?.[0]?.message).toMatch(/Query\.user needs a signed-in caller/);
    // Only the catalog was asked: `user` never reached accounts.
    expect(requests.counts).toEqual({ products: 1 });
  });

  it('given a signed-in customer, when it asks the same, then it gets its own user and no error', async () => {
    const data = await t.queryOk(`query($id: ID!) { user(id: $id) { name email } products(first: 2) { totalCount } }`, { id: aliceId }, alice);
    expect(data.user).toEqual({ name: 'Alice Customer', email: 'alice@example.com' });
  });

  it('given an anonymous caller, when a removed field sits inside lists, then every element gets its null and one error names the first path', async () => {
    const query = `{ products(first: 4) { edges { node { name reviews(first: 2) { edges { node { rating author { name orders(first: 1) { totalCount } } } } } } } } }`;
    const result = await t.query(query);
    const authors = result.data!.products.edges.flatMap((edge: any) => edge.node.reviews.edges.map((review: any) => review.node.author));
    expect(authors.length).toBeGreaterThan(1);
    for (const author of authors) expect(author).toEqual({ name: expect.any(String), orders: null });
    const first = result.data!.products.edges.findIndex((edge: any) => edge.node.reviews.edges.length > 0);
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['products', 'edges', first, 'node', 'reviews', 'edges', 0, 'node', 'author', 'orders'],
        extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }),
      }),
    ]);
    expect(requests.counts.orders).toBeUndefined();
  });

  it.each([
    [
      'a named fragment',
      `query($id: ID!) { product(id: $id) { reviews(first: 1) { edges { node { author { ...Private } } } } } } fragment Private on User { orders { totalCount } }`,
    ],
    [
      'an inline fragment',
      `query($id: ID!) { product(id: $id) { reviews(first: 1) { edges { node { author { ... on User { orders { totalCount } } } } } } } }`,
    ],
  ])(
    'given an anonymous caller, when %s leaves a selection set empty, then the object holds only the null and nothing of the placeholder',
    async (_, query) => {
      // Products whose index is 4 mod 5 have no seeded reviews; the first has some.
      const result = await t.query(query, { id: SEED_PRODUCTS[0]!.id });
      expect(result.status).toBe(200);
      const author = result.data!.product.reviews.edges[0].node.author;
      expect(author).toEqual({ orders: null });
      expect(JSON.stringify(result.data)).not.toContain(PLACEHOLDER);
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    },
  );

  it('given an anonymous caller, when every root field is removed, then the answer is nulls and errors and no subgraph is asked', async () => {
    const result = await t.query(`query($id: ID!) { order(id: $id) { id } user(id: $id) { name } }`, { id: aliceId });
    expect(result.data).toEqual({ order: null, user: null });
    expect(result.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['order'], 'UNAUTHENTICATED'],
      [['user'], 'UNAUTHENTICATED'],
    ]);
    expect(requests.total()).toBe(0);
  });

  it('given a field under @skip(if: true), when an anonymous caller sends it, then nothing is removed and no error is added', async () => {
    const data = await t.queryOk(`query($id: ID!, $no: Boolean!) { user(id: $id) @skip(if: $no) { name } products(first: 1) { totalCount } }`, {
      id: aliceId,
      no: true,
    });
    expect(data).toEqual({ products: { totalCount: 40 } });
  });

  it('given a customer, when it calls an admin mutation, then data is null with FORBIDDEN at the field, no subgraph is asked and nothing is written', async () => {
    const result = await t.query(NEW_PRODUCT, productInput('AUTHZ-0001'), alice);
    expect(result.status).toBe(200);
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ['createProduct'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    expect(result.errors?.[0]?.message).toMatch(/Mutation\.createProduct needs the scope catalog:write/);
    expect(requests.total()).toBe(0);
    const search = await t.queryOk(`{ products(filter: { search: "AUTHZ-0001" }) { totalCount } }`);
    expect(search.products.totalCount).toBe(0);
  });

  it('given a customer, when one mutation holds an allowed and a forbidden field, then nothing runs: the forbidden one nulls data', async () => {
    const result = await t.query(
      `mutation($input: CreateProductInput!, $review: AddReviewInput!) { addReview(input: $review) { review { id } } createProduct(input: $input) { product { id } } }`,
      { ...productInput('AUTHZ-0002'), review: { productId: SEED_PRODUCTS[34]!.id, rating: 3, body: 'Never written.' } },
      alice,
    );
    expect(result.data).toBeNull();
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(requests.total()).toBe(0);
    const reviews = await t.queryOk(`query($id: ID!) { product(id: $id) { reviews { totalCount } } }`, { id: SEED_PRODUCTS[34]!.id });
    expect(reviews.product.reviews.totalCount).toBe(0);
  });

  it('given an admin, when it calls the same mutation, then its scopes let it through', async () => {
    const data = await t.queryOk(NEW_PRODUCT, productInput('AUTHZ-0003'), admin);
    expect(data.createProduct.product.sku).toBe('AUTHZ-0003');
  });

  it('given an anonymous caller, when it subscribes to orderStatusChanged over graphql-ws, then it is refused with UNAUTHENTICATED and nothing is opened upstream', async () => {
    const subscription = wsSubscribe(wsClient(t.url), ORDER_STATUS);
    const refused = await subscription.ended;
    expect(refused).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    expect(subscription.results).toEqual([]);
    expect(t.stack.gateway.subscriptions.upstreamCount).toBe(0);
    expect(requests.total()).toBe(0);
    await subscription.close();
  });

  it('given an anonymous caller, when it subscribes to orderStatusChanged over multipart HTTP, then the same refusal comes as JSON', async () => {
    const subscription = multipartSubscribe(t.url, ORDER_STATUS);
    expect(await subscription.ended).toEqual({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })] });
    expect(t.stack.gateway.subscriptions.upstreamCount).toBe(0);
    await subscription.close();
  });

  it('given an anonymous subscriber, when an event holds a field it may not see, then each event has that field null with UNAUTHENTICATED', async () => {
    const product = SEED_PRODUCTS[39]!;
    const subscription = wsSubscribe(
      wsClient(t.url),
      `subscription($p: ID!) { reviewAdded(productId: $p) { review { body author { name orders { totalCount } } } } }`,
      { p: product.id },
    );
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1, 'the subscription live in the subgraph');
    await t.queryOk(
      `mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }`,
      { input: { productId: product.id, rating: 5, body: 'Watched.' } },
      alice,
    );
    const [event] = await subscription.waitFor(1);
    expect(event.data.reviewAdded.review).toEqual({ body: 'Watched.', author: { name: 'Alice Customer', orders: null } });
    expect(event.errors).toEqual([
      expect.objectContaining({ path: ['reviewAdded', 'review', 'author', 'orders'], extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
    ]);
    await subscription.close();
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0, 'released');
  });
});

describe('authorization plugin, reject mode (AUTHORIZATION_MODE=reject)', () => {
  let t: TestStack;
  const requests = subgraphRequestCounter();
  beforeAll(async () => {
    t = await startTestStack({ gatewayPlugins: [requests], gateway: readGatewaySettings({ AUTHORIZATION_MODE: 'reject' }, readCommonConfig({})) });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => requests.reset());

  it('given an anonymous caller, when it asks for an @authenticated field, then the whole operation is refused with 401 UNAUTHENTICATED and no subgraph is asked', async () => {
    const result = await t.query(`{ order(id: "${SEED_PRODUCTS[0]!.id}") { id } products(first: 1) { totalCount } }`);
    expect(result.status).toBe(401);
    expect(result.data).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
    expect(requests.total()).toBe(0);
  });

  it('given a customer, when it calls an admin mutation, then it is refused with 403 FORBIDDEN', async () => {
    const alice = await t.logIn('alice@example.com', 'alice-password');
    requests.reset();
    const result = await t.query(NEW_PRODUCT, productInput('AUTHZ-0004'), alice);
    expect(result.status).toBe(403);
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(requests.total()).toBe(0);
  });

  it('given an operation that selects only what the caller may see, then it runs as usual', async () => {
    expect((await t.queryOk(`{ products(first: 1) { totalCount } }`)).products.totalCount).toBeGreaterThan(0);
  });
});
