import { startTestStack, type TestStack } from '../support/testStack';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';
import { testStorageKind } from '../support/testStorage';
import { eventually } from '../support/eventually';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { DEFAULT_SUBGRAPH_TRANSPORT } from '../../gateway/transport/subgraphTransportSettings';

// Long enough that a healthy replica on a loaded CI machine (PostgreSQL, two Node versions) is never mistaken for a hanging one.
const TIMEOUT_MS = 2500;
const BREAKER_FAILURES = 3;
const BREAKER_OPEN_MS = 400;

const PRODUCT = SEED_PRODUCTS[0]!;
// Products' own field, inventory's, and two of reviews'.
const QUERY = `query($id: ID!) { product(id: $id) { name stock rating { count } reviews(first: 1) { totalCount } } }`;

/**
 * The fault suite of the subgraph transport: the whole stack, with reviews
 * reached through two TCP fault proxies (two "replicas" of one reviews
 * instance) and inventory through one, each made to refuse, reset, slow
 * down or hang, as issue 11 lists.
 */
describe(`subgraph faults (${testStorageKind()})`, () => {
  let t: TestStack;
  const proxies: Record<string, TcpProxy[]> = {};
  let a: TcpProxy;
  let b: TcpProxy;
  let inventory: TcpProxy;

  beforeAll(async () => {
    t = await startTestStack({
      gateway: {
        subgraphTransport: {
          ...DEFAULT_SUBGRAPH_TRANSPORT,
          timeoutMs: TIMEOUT_MS,
          breakerFailures: BREAKER_FAILURES,
          breakerOpenMs: BREAKER_OPEN_MS,
          // Each request here is its own: sharing would hide which replica answered.
          dedup: false,
        },
      },
      gatewaySubgraphUrl: async (name, url) => {
        if (name !== 'reviews' && name !== 'inventory') return url;
        const target = new URL(url);
        const proxyTo = () => startTcpProxy({ host: target.hostname, port: Number(target.port) });
        proxies[name] = name === 'reviews' ? [await proxyTo(), await proxyTo()] : [await proxyTo()];
        return proxies[name].map((proxy) => `http://127.0.0.1:${proxy.port}${target.pathname}`).join(',');
      },
    });
    [a, b] = proxies.reviews as [TcpProxy, TcpProxy];
    [inventory] = proxies.inventory as [TcpProxy];
  });
  afterAll(async () => {
    await t?.close();
    for (const proxy of Object.values(proxies).flat()) await proxy.close();
  });

  /** Restores every proxy and waits until every replica is back in rotation and the query answers in full. */
  afterEach(async () => {
    for (const proxy of Object.values(proxies).flat()) {
      proxy.thaw();
      await proxy.restore().catch(() => undefined);
    }
    await eventually(async () => {
      const ready = (await (await fetch(`${t.baseUrl}/ready`)).json()) as { replicas: Record<string, { state: string }[]> };
      return Object.values(ready.replicas).every((replicas) => replicas.every((replica) => replica.state === 'up'));
    }, 'every replica back in rotation');
  });

  const timed = async () => {
    const started = performance.now();
    const response = await t.query<any>(QUERY, { id: PRODUCT.id });
    return { response, ms: performance.now() - started };
  };
  const isFull = (response: Awaited<ReturnType<typeof t.query<any>>>) =>
    response.errors === undefined &&
    response.data?.product?.name === PRODUCT.name &&
    typeof response.data.product.stock === 'number' &&
    typeof response.data.product.rating?.count === 'number' &&
    typeof response.data.product.reviews?.totalCount === 'number';

  it('given two reviews replicas, when 200 queries run 8 at a time and one replica stops halfway, then both shared the load and every answer is complete', async () => {
    const before = { a: a.accepted, b: b.accepted };
    const answers: { full: boolean; errors: unknown }[] = [];
    let sent = 0;
    const worker = async () => {
      while (sent < 200) {
        sent += 1;
        if (sent === 100) await a.cut();
        const { response } = await timed();
        answers.push({ full: isFull(response), errors: response.errors });
      }
    };

    await Promise.all(Array.from({ length: 8 }, worker));

    expect(answers).toHaveLength(200);
    // The errors of any answer that is not complete, so a failure says why.
    expect(answers.filter((answer) => !answer.full)).toEqual([]);
    expect(a.accepted - before.a).toBeGreaterThan(0);
    expect(b.accepted - before.b).toBeGreaterThan(0);
  });

  it('given a reviews replica refusing connections, when queries are sent, then each answers in full, well under a second, and /ready shows the replica out', async () => {
    await a.cut();

    for (let i = 0; i < 10; i += 1) {
      const { response, ms } = await timed();
      expect(isFull(response)).toBe(true);
      // No wait for a timeout (2.5 s): the refusal sends the request to the other replica at once.
      expect(ms).toBeLessThan(1000);
    }

    const ready = await fetch(`${t.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as any;
    expect(body.subgraphs.reviews).toBe('up');
    expect(body.replicas.reviews.map((replica: { state: string }) => replica.state)).toEqual(['down', 'up']);
  });

  it('given a reviews replica that resets connections mid-response, when queries are sent, then they are retried on the other replica and answer in full', async () => {
    a.resetResponses();

    for (let i = 0; i < 10; i += 1) expect(isFull((await timed()).response)).toBe(true);
  });

  it('given both reviews replicas resetting connections mid-response, when a signed-in user adds reviews, then each mutation ran exactly once: its error is SUBGRAPH_UNAVAILABLE, never a CONFLICT of a second attempt', async () => {
    const email = `faults-${Date.now()}@example.com`;
    const signUp = await t.queryOk(`mutation($input: SignUpInput!) { signUp(input: $input) { token } }`, {
      input: { email, name: 'Fault Tester', password: 'fault-tester-password' },
    });
    const token = signUp.signUp.token as string;
    const products = SEED_PRODUCTS.slice(10, 12);
    // Both replicas run whatever reaches them and then reset: a second attempt, on either, would be a second review (CONFLICT).
    a.resetResponses();
    b.resetResponses();

    // Two, below the breakers' threshold of 3, so each one is sent.
    for (const product of products) {
      const response = await t.query(
        `mutation($input: AddReviewInput!) { addReview(input: $input) { review { id } } }`,
        { input: { productId: product.id, rating: 4, body: 'Sent once, whatever the network did.' } },
        token,
      );
      expect(response.errors).toEqual([expect.objectContaining({ extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'reviews' } })]);
    }

    // What the reviews subgraph received: each mutation once, whichever replica it went through.
    const sends = [...a.forwarded(), ...b.forwarded()].join('').split('{addReview(').length - 1;
    expect(sends).toBe(products.length);
    a.thaw();
    b.thaw();
    await eventually(
      async () => (await t.query(`{ me { reviews(first: 10) { totalCount } } }`, undefined, token)).data?.me?.reviews?.totalCount === 2,
      'both reviews to be readable',
    );
    const mine = await t.queryOk(`{ me { reviews(first: 10) { edges { node { product { id } } } } } }`, undefined, token);
    expect(mine.me.reviews.edges.map((edge: any) => edge.node.product.id).sort()).toEqual(products.map((product) => product.id).sort());
  });

  it('given a slow reviews replica (300 ms), when queries run 4 at a time, then every one answers in full and the fast replica serves most', async () => {
    a.delay(300);
    const posts = (proxy: TcpProxy) => proxy.forwarded().join('').split('POST /').length - 1;
    const before = { a: posts(a), b: posts(b) };
    const results = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const each: boolean[] = [];
        for (let i = 0; i < 8; i += 1) each.push(isFull((await timed()).response));
        return each;
      }),
    );

    expect(results.flat().every(Boolean)).toBe(true);
    // Requests the subgraph received through each: the slow replica has more in flight, so it is picked less.
    expect(posts(b) - before.b).toBeGreaterThan(posts(a) - before.a);
  });

  it('given a reviews replica that never answers, when queries are sent one after another, then none waits longer than the timeout plus a margin, and once its breaker opens they answer in full at once', async () => {
    a.freeze();
    const results: { full: boolean; ms: number; codes: unknown[] }[] = [];
    const send = async () => {
      const { response, ms } = await timed();
      results.push({ full: isFull(response), ms, codes: (response.errors ?? []).map((error) => error.extensions?.code) });
      if (!isFull(response)) {
        // The frozen replica's fields only: products' and inventory's still answer.
        expect(response.data?.product?.name).toBe(PRODUCT.name);
        expect(typeof response.data?.product?.stock).toBe('number');
      }
    };

    // Half the requests go to the frozen replica (both are idle): its breaker opens after its third timeout.
    while (results.filter((result) => !result.full).length < BREAKER_FAILURES && results.length < 60) await send();
    for (let i = 0; i < 5; i += 1) await send();

    // Compared as a whole, so a failure shows every answer's outcome and time.
    const outline = results.map(({ full, ms, codes }) => ({ full, slow: ms >= TIMEOUT_MS + 700, codes }));
    expect(outline.filter((each) => each.slow)).toEqual([]);
    expect(outline.filter((result) => !result.full)).toEqual(Array(BREAKER_FAILURES).fill({ full: false, slow: false, codes: ['SUBGRAPH_TIMEOUT'] }));
    expect(results.slice(-5).map(({ full, ms, codes }) => ({ full, fast: ms < TIMEOUT_MS / 3, codes }))).toEqual(
      Array(5).fill({ full: true, fast: true, codes: [] }),
    );
  });

  it('given the whole reviews subgraph down, when queries are sent, then its fields are null with typed errors under a second, at once when its breakers are open, and full data returns once it is back', async () => {
    await a.cut();
    await b.cut();
    const results: { ms: number; response: Awaited<ReturnType<typeof t.query<any>>> }[] = [];

    for (let i = 0; i < 8; i += 1) results.push(await timed());

    for (const { ms, response } of results) {
      expect(ms).toBeLessThan(1000);
      expect(response.data?.product).toEqual({ name: PRODUCT.name, stock: expect.any(Number), rating: null, reviews: null });
      expect(response.errors?.length).toBeGreaterThanOrEqual(1);
      for (const error of response.errors ?? []) {
        expect(error.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'reviews' });
        expect(error.path?.[0]).toBe('product');
        expect(error.message).not.toMatch(/127\.0\.0\.1|localhost|ECONN|socket/);
      }
    }
    // Both breakers are open by now: the answer comes without trying.
    const last = results[results.length - 1]!;
    expect(last.ms).toBeLessThan(500);
    expect(last.response.errors?.[0]?.message).toMatch(/circuit breaker open/);

    await a.restore();
    await b.restore();
    await eventually(async () => isFull((await timed()).response), 'full data once reviews is back', BREAKER_OPEN_MS * 10);
  });

  it('given the only inventory replica down, when a query needs it, then everything but inventory’s field answers, with one typed error at that field', async () => {
    await inventory.cut();

    const response = await t.query<any>(QUERY, { id: PRODUCT.id });

    expect(response.data?.product).toEqual({
      name: PRODUCT.name,
      stock: null,
      rating: { count: expect.any(Number) },
      reviews: { totalCount: expect.any(Number) },
    });
    expect(response.errors).toEqual([
      expect.objectContaining({ path: ['product', 'stock'], extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'inventory' } }),
    ]);
  });
});
