import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Kind, parse } from 'graphql';
import pino from 'pino';
import { readCommonConfig } from '../../platform/config';
import { startTestStack, type TestStack } from '../../tests/support/testStack';
import { graphql } from '../../tests/support/graphqlClient';
import { multipartSubscribe, wsClient, wsSubscribe } from '../../tests/support/subscriptionClients';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { readGatewaySettings } from '../gatewayConfig';
import { startGateway, type RunningGateway } from '../server';
import { loadSupergraph } from '../supergraph';
import { createAuthenticator } from '../auth/authenticate';
import type { GatewayPlugin } from './gatewayPlugin';
import { costSchemaFromSupergraph, DEFAULT_MAX_COST, estimateCost, type CostSchema } from './demandControl';

const root = path.resolve(__dirname, '../..');
const supergraph = costSchemaFromSupergraph(fs.readFileSync(path.join(root, 'schema/supergraph.graphql'), 'utf8'));

const costOf = (query: string, variables?: Record<string, unknown>, schema: CostSchema = supergraph, operationName?: string) =>
  estimateCost({ document: parse(query), operationName, variables, schema });

describe('estimateCost on the composed supergraph', () => {
  it('given an object with scalar fields, when estimated, then the object weighs 1 and its scalars and enums 0', () => {
    expect(costOf('{ product(id: "p") { id name category } }')).toBe(1);
    expect(costOf('{ product(id: "p") { name price { amount currency } } }')).toBe(2);
    expect(costOf('{ __typename }')).toBe(0);
  });

  it('given a connection with a literal first, when estimated, then its edges count first times', () => {
    // connection 1 + 7 × (edge 1 + node 1)
    expect(costOf('{ products(first: 7) { totalCount edges { cursor node { name } } } }')).toBe(15);
    expect(costOf('{ products(first: 0) { edges { node { name } } } }')).toBe(1);
  });

  it('given first as a variable, when estimated, then the value sent counts, else the variable default, else the assumed size 20', () => {
    const query = 'query Page($n: Int) { products(first: $n) { edges { node { id } } } }';
    expect(costOf(query, { n: 30 })).toBe(61);
    expect(costOf('query Page($n: Int = 4) { products(first: $n) { edges { node { id } } } }')).toBe(9);
    expect(costOf(query, {})).toBe(41);
    expect(costOf('{ products { edges { node { id } } } }')).toBe(41);
  });

  it('given lists without arguments, when estimated, then their assumedSize multiplies their items', () => {
    // order 1 + 5 lines × (line 1 + product 1)
    expect(costOf('{ order(id: "o") { lines { quantity product { name } } } }')).toBe(11);
    // product 1 + rating 1 + 5 × rating count 1
    expect(costOf('{ product(id: "p") { rating { average distribution { rating count } } } }')).toBe(7);
  });

  it('given nested connections, when estimated, then their sizes multiply', () => {
    // 1 + 100 × (edge 1 + node 1 + reviews 1 + 100 × (edge 1 + node 1))
    const explosion = '{ products(first: 100) { edges { node { reviews(first: 100) { edges { node { body } } } } } } }';
    expect(costOf(explosion)).toBe(20_301);
  });

  it('given a mutation, when estimated, then each root field costs 10 more', () => {
    const logIn = 'logIn(input: { email: "a@example.com", password: "secret-password" }) { token user { name } }';
    expect(costOf(`mutation { ${logIn} }`)).toBe(12);
    expect(costOf(`mutation { a: ${logIn} b: ${logIn} }`)).toBe(24);
  });

  it('given fields, arguments and input fields with @cost, when estimated, then their weights replace the type weight or add to it', () => {
    // Mutation 10 + @cost(weight: 100) in place of the payload's 1
    expect(costOf('mutation { rebuildOrdersReadModel(input: { name: ORDER_HISTORY }) { name eventsReplayed } }')).toBe(110);
    // connection 1 + ProductFilter.search 5, as a literal or in a variable
    expect(costOf('{ products(first: 1, filter: { search: "tea" }) { totalCount } }')).toBe(6);
    expect(costOf('query($f: ProductFilter) { products(first: 1, filter: $f) { totalCount } }', { f: { search: 'tea' } })).toBe(6);
    expect(costOf('query($f: ProductFilter) { products(first: 1, filter: $f) { totalCount } }', { f: { category: 'books' } })).toBe(1);
  });

  it('given @skip and @include, when estimated, then excluded selections cost nothing', () => {
    expect(costOf('{ products(first: 50) @skip(if: true) { edges { node { id } } } product(id: "p") { price { amount } } }')).toBe(2);
    expect(costOf('query($on: Boolean!) { products(first: 50) @include(if: $on) { edges { node { id } } } }', { on: false })).toBe(0);
    expect(costOf('query($on: Boolean!) { products(first: 50) @include(if: $on) { edges { node { id } } } }', { on: true })).toBe(101);
  });

  it('given fragments, when estimated, then they cost what the same fields inlined cost, sized by the connection they are spread in', () => {
    const inlined = '{ products(first: 3) { edges { node { name price { amount } } } } }';
    const spread = `
      { products(first: 3) { ...Page } }
      fragment Page on ProductConnection { edges { ...Edge } }
      fragment Edge on ProductEdge { node { name ... on Product { price { amount } } } }`;
    expect(costOf(spread)).toBe(costOf(inlined));
    expect(costOf(spread)).toBe(10);
  });

  it('given a fragment explosion, when estimated, then each fragment is summarised once, so the estimate is quick however large it gets', () => {
    // F30 spreads F29 twice, … F1 spreads F0 twice: 2^30 copies of `price`, written in 31 lines.
    const levels = Array.from({ length: 30 }, (_, i) => `fragment F${i + 1} on Product { ...F${i} ...F${i} }`);
    const query = `{ product(id: "p") { ...F30 } }\nfragment F0 on Product { price { amount } }\n${levels.join('\n')}`;
    const started = performance.now();
    expect(costOf(query)).toBe(1 + 2 ** 30);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('given a document with several operations, when estimated, then the named one is', () => {
    const document = 'query A { product(id: "p") { name } } query B { products(first: 2) { edges { node { id } } } }';
    expect(costOf(document, undefined, supergraph, 'A')).toBe(1);
    expect(costOf(document, undefined, supergraph, 'B')).toBe(5);
  });
});

describe('costSchemaFromSupergraph', () => {
  // A supergraph-like schema whose cost spec link renames @cost and leaves @listSize unimported.
  const sdl = `
    schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/cost/v0.1", as: "price", import: [{ name: "@cost", as: "@weight" }]) { query: Query }
    directive @link(url: String, as: String, for: String, import: [link__Import]) repeatable on SCHEMA
    scalar link__Import
    directive @weight(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
    directive @price__listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
    type Query {
      items(first: Int, last: Int): [Item!]! @price__listSize(slicingArguments: ["first", "last"])
      tags: [String!]!
      search(text: String @weight(weight: 7)): Item
    }
    type Item @weight(weight: 3) { id: ID! parts: [Item!]! }
  `;
  const schema = costSchemaFromSupergraph(sdl);

  it('given the cost spec linked under other names, when read, then @cost and @listSize are found under those names', () => {
    expect(schema.weights.get('Item')).toBe(3);
    expect(schema.weights.get('Query.search(text:)')).toBe(7);
    expect(schema.listSizes.get('Query.items')).toEqual({
      assumedSize: undefined,
      slicingArguments: ['first', 'last'],
      sizedFields: undefined,
      requireOneSlicingArgument: true,
    });
  });

  it('given a type with @cost, when estimated, then every field of that type weighs that; a list without @listSize counts 10', () => {
    // 4 items × (3 + 10 parts × 3); the argument weighs 7 when given
    expect(costOf('{ items(first: 4) { id parts { id } } }', undefined, schema)).toBe(132);
    expect(costOf('{ search(text: "x") { id } }', undefined, schema)).toBe(10);
    expect(costOf('{ tags }', undefined, schema)).toBe(0);
  });

  it('given requireOneSlicingArgument, when none or several slicing arguments are given, then the estimate is refused as invalid', () => {
    expect(() => costOf('{ items { id } }', undefined, schema)).toThrow(/Query\.items needs exactly one of its slicing arguments \(first, last\).*got 0/);
    expect(() => costOf('{ items(first: 1, last: 2) { id } }', undefined, schema)).toThrow(/got 2/);
  });

  it('given a supergraph without the cost spec, when estimated, then the default weights apply', () => {
    const plain = costSchemaFromSupergraph('type Query { items: [Item!]! } type Item { id: ID! }');
    expect(costOf('{ items { id } }', undefined, plain)).toBe(10);
  });
});

describe("the README's example operations", () => {
  const dir = path.join(root, 'schema/operations');
  const examples = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => ({ file: `schema/operations/${file}`, text: fs.readFileSync(path.join(dir, file), 'utf8') }));
  const costs: Record<string, { file: string; cost: number }> = Object.fromEntries(
    examples.map(({ file, text }) => {
      const document = parse(text);
      const name = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION && d.name ? [d.name.value] : []))[0];
      return [name, { file, cost: estimateCost({ document, schema: supergraph }) }];
    }),
  );

  it('given each example operation, when estimated, then it costs what docs/demandControl.md says', () => {
    expect(Object.fromEntries(Object.entries(costs).map(([name, { cost }]) => [name, cost]))).toEqual({
      Everything: 76,
      LogIn: 12,
      MyOrders: 122,
      PlaceOrder: 28,
      SignUp: 12,
    });
    const table = fs.readFileSync(path.join(root, 'docs/demandControl.md'), 'utf8');
    const documented = Object.fromEntries(
      [...table.matchAll(/^\| `(\w+)` \| `(schema\/operations\/[\w.]+)` \| (\d+) \|$/gm)].map(([, name, file, cost]) => [name, { file, cost: Number(cost) }]),
    );
    expect(documented).toEqual(costs);
  });

  it('given the examples with their largest page, when estimated, then they stay under the default maximum that two nested pages of 100 exceed', () => {
    const myOrders = examples.find(({ file }) => file === costs.MyOrders?.file)?.text ?? '';
    expect(costOf(myOrders.replace('first: 10', 'first: 100'))).toBe(1202);
    const productsPage =
      '{ products(first: 100) { totalCount edges { node { name price { amount currency } stock inStock shippingEstimate rating { average count } reviews(first: 2) { edges { node { rating body author { name } } } } } } pageInfo { hasNextPage endCursor } } }';
    expect(costOf(productsPage)).toBe(1102);
    expect(Math.max(...Object.values(costs).map(({ cost }) => cost))).toBeLessThan(DEFAULT_MAX_COST / 40);
    expect(costOf('{ products(first: 100) { edges { node { reviews(first: 100) { edges { node { body } } } } } } }')).toBeGreaterThan(4 * DEFAULT_MAX_COST);
  });
});

describe('demand control end to end over HTTP', () => {
  const explosion = '{ products(first: 100) { edges { node { reviews(first: 100) { edges { node { body } } } } } } }';
  let subgraphRequests = 0;
  const countSubgraphRequests: GatewayPlugin = { name: 'countSubgraphRequests', onSubgraphRequest: () => void (subgraphRequests += 1) };
  const identitySecret = new Uint8Array(randomBytes(32));
  let t: TestStack;
  let measuring: RunningGateway | undefined;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    t = await startTestStack({
      identitySecret,
      gateway: readGatewaySettings({ MAX_COST: '3000' }, readCommonConfig({})),
      gatewayPlugins: [countSubgraphRequests],
    });
    // A second gateway over the same subgraphs, in measure mode, whose log the test reads.
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    measuring = await startGateway({
      supergraph: loadSupergraph(path.join(root, 'schema/supergraph.graphql')),
      subgraphUrls: t.stack.gateway.subgraphUrls,
      port: 0,
      host: '127.0.0.1',
      production: false,
      maxCost: 3000,
      costMode: 'measure',
      authenticate: createAuthenticator({ jwksUrl: new URL('/.well-known/jwks.json', t.stack.subgraphs.accounts.url).toString() }),
      identitySecret,
      logger: pino({ level: 'info' }, logStream),
    });
  });
  afterAll(async () => {
    await measuring?.close();
    await t?.close();
  });

  it('given an operation over MAX_COST, when sent, then it is refused with 400 and COST_ESTIMATED_TOO_EXPENSIVE naming the estimate and the maximum, and no subgraph is contacted', async () => {
    const before = subgraphRequests;
    const response = await t.query(explosion);
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/estimated cost is 20301, above the maximum of 3000/),
        extensions: expect.objectContaining({ code: 'COST_ESTIMATED_TOO_EXPENSIVE' }),
      }),
    ]);
    expect(subgraphRequests).toBe(before);
  });

  it("given the README's example queries, when sent, then they run as before", async () => {
    const token = await t.logIn('alice@example.com', 'alice-password');
    for (const file of ['everything.graphql', 'myOrders.graphql']) {
      const response = await graphql(t.url, fs.readFileSync(path.join(root, 'schema/operations', file), 'utf8'), undefined, { token });
      expect({ file, status: response.status, errors: response.errors }).toEqual({ file, status: 200, errors: undefined });
    }
    expect(subgraphRequests).toBeGreaterThan(0);
  });

  it('given a subscription over MAX_COST, when started over graphql-ws or multipart, then it is refused with the same code and nothing is subscribed upstream', async () => {
    const expensive = `subscription($p: ID!) { reviewAdded(productId: $p) { review { product { reviews(first: 100) { edges { node { author { reviews(first: 100) { edges { node { id } } } } } } } } } } }`;
    const variables = { p: SEED_PRODUCTS[0]!.id };
    const overWs = wsSubscribe(wsClient(t.url), expensive, variables);
    const overMultipart = multipartSubscribe(t.url, expensive, variables);
    for (const refused of [await overWs.ended, await overMultipart.ended]) {
      expect(JSON.stringify(refused)).toMatch(/COST_ESTIMATED_TOO_EXPENSIVE/);
      expect(JSON.stringify(refused)).toMatch(/estimated cost is 20404, above the maximum of 3000/);
    }
    await Promise.all([overWs.close(), overMultipart.close()]);
    expect(t.stack.gateway.subscriptions.upstreamCount).toBe(0);
  });

  it('given measure mode, when an operation over the maximum is sent, then it runs, and the log names its cost', async () => {
    const response = await graphql(measuring!.url, explosion);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data).toHaveProperty('products.edges');
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'operation over the cost maximum (COST_MODE=measure)', cost: 20301, maxCost: 3000 }));
    // The access log line is written when the response closes, just after the client has it.
    await waitFor(() => logLines.some((line) => line.msg === 'operation' && line.cost === 20301));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('The condition did not hold in time.');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
