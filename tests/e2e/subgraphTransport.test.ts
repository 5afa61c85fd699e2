import { startTestStack, type TestStack } from '../support/testStack';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { testStorageKind } from '../support/testStorage';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { eventually } from '../support/eventually';
import { DEFAULT_SUBGRAPH_TRANSPORT } from '../../gateway/transport/subgraphTransportSettings';

const TIMEOUT_MS = 1000;

/** The gateway's subgraph transport (undici pools, deadline, retry) under the whole stack, reviews reached through a TCP proxy that can freeze. */
describe(`subgraph transport end to end (${testStorageKind()})`, () => {
  let t: TestStack;
  let reviews: TcpProxy | undefined;
  beforeAll(async () => {
    t = await startTestStack({
      gateway: { subgraphTransport: { ...DEFAULT_SUBGRAPH_TRANSPORT, timeoutMs: TIMEOUT_MS, maxConnections: 16, maxResponseBytes: 1024 * 1024 } },
      gatewaySubgraphUrl: async (name, url) => {
        if (name !== 'reviews') return url;
        const target = new URL(url);
        reviews = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
        return `http://127.0.0.1:${reviews.port}${target.pathname}`;
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await reviews?.close();
  });

  const ALL_FIVE = `{
    me { name orders(first: 2) { totalCount } reviews(first: 1) { totalCount } }
    products(first: 3) { totalCount edges { node { name price { amount } stock shippingEstimate unitsSold rating { count } reviews(first: 1) { totalCount } } } }
  }`;

  it('given the transport in place of Apollo’s fetcher, when a signed-in query spans all five subgraphs, then every field answers', async () => {
    const alice = await t.logIn('alice@example.com', 'alice-password');

    // Twice: the second runs on the kept-alive connections of the first.
    for (let round = 0; round < 2; round += 1) {
      const data = await t.queryOk(ALL_FIVE, undefined, alice);
      expect(data.me.name).toBe('Alice Customer');
      expect(data.me.orders.totalCount).toBeGreaterThan(0);
      expect(data.products.edges).toHaveLength(3);
      for (const { node } of data.products.edges) {
        expect(typeof node.stock).toBe('number');
        expect(typeof node.unitsSold).toBe('number');
        expect(typeof node.rating.count).toBe('number');
      }
    }
  });

  it('given a frozen reviews subgraph, when a query needs it, then its fields are null with SUBGRAPH_TIMEOUT within the timeout, the rest answers, and full data returns once it thaws', async () => {
    const product = SEED_PRODUCTS[0]!;
    const query = `query($id: ID!) { products(first: 2) { edges { node { name } } } product(id: $id) { name rating { count } } }`;
    reviews!.freeze();
    const started = Date.now();

    const response = await t.query(query, { id: product.id });

    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    expect(response.data?.products.edges).toHaveLength(2);
    // Product.rating is nullable (a field reviews adds to products' entity): only it is null, the product answers.
    expect(response.data?.product).toEqual({ name: product.name, rating: null });
    expect(response.errors).toEqual([
      {
        message: `The "reviews" service did not answer within ${TIMEOUT_MS} ms (SUBGRAPH_TIMEOUT_MS); the fields it serves are null.`,
        path: ['product', 'rating'],
        extensions: { code: 'SUBGRAPH_TIMEOUT', serviceName: 'reviews' },
      },
    ]);
    expect(JSON.stringify(response.errors)).not.toMatch(/127\.0\.0\.1|localhost/);

    reviews!.thaw();
    await eventually(async () => (await t.query(query, { id: product.id })).data?.product?.name === product.name, 'reviews to answer again', 10_000);
  });
});
