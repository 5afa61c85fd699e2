import WebSocket from 'ws';
import type { GatewayPlugin } from '../../gateway/plugins/gatewayPlugin';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { multipartSubscribe, wsClient, wsSubscribe } from '../support/subscriptionClients';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';

/** Every request the gateway makes to a subgraph (fetches and upstream subscriptions) passes here. */
let subgraphRequests = 0;
const countSubgraphRequests: GatewayPlugin = {
  name: 'countSubgraphRequests',
  onSubgraphRequest: () => void (subgraphRequests += 1),
};

type Kind = 'query' | 'subscription';

/** One class of hostile document, written for an operation kind, and the code it must be refused with. */
interface Hostile {
  name: string;
  document(kind: Kind): string;
  code: 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED' | 'COST_ESTIMATED_TOO_EXPENSIVE';
  /** What the message must say: the limit's setting. */
  names: RegExp;
  /** Too long for a URL (Node refuses request heads over 16 KiB with 431 before any code runs). */
  postOnly?: boolean;
}

const levels = (n: number, leaf: string) => `${'a { '.repeat(n)}${leaf}${' }'.repeat(n)}`;

const HOSTILE: Hostile[] = [
  {
    name: 'depth through fragments',
    document: (kind) => `${kind} { ...F } fragment F on Node { ${levels(10, '... on X { ...G }')} } fragment G on Node { ${levels(10, 'id')} }`,
    code: 'GRAPHQL_VALIDATION_FAILED',
    names: /MAX_DEPTH\): it has 21\./,
  },
  {
    name: 'alias flood',
    document: (kind) => `${kind} { ${Array.from({ length: 500 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
    code: 'GRAPHQL_VALIDATION_FAILED',
    names: /MAX_ALIASES\): it has 500\./,
  },
  {
    name: 'directive flood',
    document: (kind) => `${kind} { __typename ${'@include(if: true) '.repeat(300)} }`,
    code: 'GRAPHQL_VALIDATION_FAILED',
    names: /MAX_DIRECTIVES\): it has 300\./,
  },
  {
    name: 'token bomb',
    document: (kind) => `${kind} { __typename ${'a '.repeat(6000)}}`,
    code: 'GRAPHQL_PARSE_FAILED',
    names: /MAX_TOKENS\): it has 6004\./,
    postOnly: true,
  },
  {
    name: 'huge nested literal',
    document: (kind) => `${kind} { product(id: ${'['.repeat(1000)}1${']'.repeat(1000)}) { id } }`,
    code: 'GRAPHQL_PARSE_FAILED',
    names: /MAX_NESTING\): it nests 1002 deep\./,
  },
  {
    name: 'fragment explosion',
    document: (kind) =>
      `${kind} { ...L0 } ${Array.from({ length: 30 }, (_, i) => `fragment L${i} on Query { ...L${i + 1} ...L${i + 1} }`).join(' ')} fragment L30 on Query { x: __typename }`,
    code: 'GRAPHQL_VALIDATION_FAILED',
    names: /MAX_(ALIASES|ROOT_FIELDS|SELECTIONS)\)/,
  },
  {
    name: 'root field flood',
    document: (kind) => `${kind} { ${'__typename '.repeat(25)}}`,
    code: 'GRAPHQL_VALIDATION_FAILED',
    names: /MAX_ROOT_FIELDS\): it has 25\./,
  },
  {
    name: 'cost explosion',
    // Valid and small, but 100 × 100 × 100 reviews: only the cost estimate refuses it.
    document: (kind) =>
      kind === 'query'
        ? `query { products(first: 100) { edges { node { reviews(first: 100) { edges { node { author { reviews(first: 100) { edges { node { body } } } } } } } } } } }`
        : `subscription { reviewAdded(productId: "${SEED_PRODUCTS[0]!.id}") { review { product { reviews(first: 100) { edges { node { author { reviews(first: 100) { edges { node { product { reviews(first: 100) { edges { node { body } } } } } } } } } } } } } } }`,
    code: 'COST_ESTIMATED_TOO_EXPENSIVE',
    names: /maximum of 5000/,
  },
  {
    name: 'oversized document',
    document: (kind) => `${kind} { __typename } ${'#'.repeat(60_000)}`,
    code: 'GRAPHQL_PARSE_FAILED',
    names: /MAX_DOCUMENT_LENGTH\)/,
    postOnly: true,
  },
];

/**
 * Hostile documents of every class, over every transport, against a gateway
 * in production mode: each is refused with its status and code, no subgraph
 * is contacted, and the gateway keeps answering other clients.
 */
describe(`abuse (${testStorageKind()})`, () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ production: true, gatewayPlugins: [countSubgraphRequests] });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    subgraphRequests = 0;
  });

  describe.each(HOSTILE)('$name', (hostile) => {
    it.each(hostile.postOnly ? ['POST'] : ['GET', 'POST'])('is refused over HTTP %s with 400 and its code, before any subgraph', async (method) => {
      const query = hostile.document('query');
      const response =
        method === 'GET'
          ? await fetch(`${t.url}?query=${encodeURIComponent(query)}`, { headers: { 'apollo-require-preflight': 'true' } })
          : await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { data?: unknown; errors?: unknown };
      expect(body.data).toBeUndefined();
      expect(body.errors).toEqual([{ message: expect.stringMatching(hostile.names), extensions: { code: hostile.code } }]);
      expect(subgraphRequests).toBe(0);
    });

    it('is refused over graphql-ws with an error message of the same code, and no upstream subscription', async () => {
      const sub = wsSubscribe(wsClient(t.url), hostile.document('subscription'));
      const errors = (await sub.ended) as { message: string; extensions: { code: string } }[];
      await sub.close();
      expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(hostile.names), extensions: { code: hostile.code } })]);
      expect(subgraphRequests).toBe(0);
      expect(t.stack.gateway.subscriptions.upstreamCount).toBe(0);
    });

    it('is refused as a multipart subscription with 400 and the same code', async () => {
      const sub = multipartSubscribe(t.url, hostile.document('subscription'));
      expect(await sub.status).toBe(400);
      expect(await sub.ended).toEqual({ errors: [{ message: expect.stringMatching(hostile.names), extensions: { code: hostile.code } }] });
      expect(subgraphRequests).toBe(0);
    });
  });

  it('answers { __typename } promptly while a flood of hostile documents is being refused', async () => {
    const bombs = HOSTILE.map((hostile) => JSON.stringify({ query: hostile.document('query') }));
    let refused = 0;
    let flooding = true;
    const flood = Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 50; i += 1) {
          const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bombs[i % bombs.length]! });
          await response.arrayBuffer();
          if (response.status === 400) refused += 1;
        }
      }),
    ).finally(() => (flooding = false));
    const latencies: number[] = [];
    while (flooding) {
      const started = performance.now();
      const answer = await t.queryOk('{ __typename }');
      latencies.push(performance.now() - started);
      expect(answer).toEqual({ __typename: 'Query' });
    }
    await flood;
    expect(refused).toBe(200);
    expect(latencies.length).toBeGreaterThan(0);
    // A generous bound for a shared machine: a stalled event loop would take seconds.
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it('gives no field suggestions in production, and names nothing the request did not contain', async () => {
    const misspelt = await t.query('{ product(id: "x") { nam } }');
    expect(misspelt.status).toBe(400);
    expect(misspelt.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(misspelt.errors?.[0]?.message).toBe('Cannot query field "nam" on type "Product".'.replace('"Product"', '"…"'));
    const missingArgument = await t.query('{ product { name } }');
    expect(missingArgument.errors?.[0]?.message).toBe('Field "product" argument "…" of type "…" is required, but it was not provided.');
    const badVariable = await t.query('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }', { input: { line: [] } });
    const message = badVariable.errors?.[0]?.message ?? '';
    expect(badVariable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(message).not.toMatch(/Did you mean/);
    expect(message).not.toMatch(/"lines"/);
    // The same over graphql-ws.
    const sub = wsSubscribe(wsClient(t.url), `subscription { reviewAdded(productId: "${SEED_PRODUCTS[0]!.id}") { reviw { id } } }`);
    const errors = (await sub.ended) as { message: string }[];
    await sub.close();
    expect(errors[0]?.message).toBe('Cannot query field "reviw" on type "…".');
  });

  it('answers a subscription the schema refuses with the code a query gets: 400 over multipart as over HTTP, an error message over graphql-ws', async () => {
    const query = await t.query('{ products(first: 1) { nope } }');
    expect(query.status).toBe(400);
    const code = query.errors?.[0]?.extensions?.code;
    expect(code).toBe('GRAPHQL_VALIDATION_FAILED');
    const document = 'subscription { reviewAdded(productId: "x") { nope } }';
    const multipart = multipartSubscribe(t.url, document);
    expect(await multipart.status).toBe(400);
    expect(await multipart.ended).toEqual({ errors: [expect.objectContaining({ extensions: { code } })] });
    const ws = wsSubscribe(wsClient(t.url), document);
    expect(await ws.ended).toEqual([expect.objectContaining({ extensions: { code } })]);
    await ws.close();
    expect(subgraphRequests).toBe(0);
  });

  it('answers a WebSocket upgrade on any path but /graphql with 404', async () => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws').replace('/graphql', '/subscriptions'), 'graphql-transport-ws');
    const status = await new Promise<number>((resolve, reject) => {
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => reject(new Error('upgraded')));
      socket.once('error', () => undefined);
    });
    expect(status).toBe(404);
  });
});
