import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';

/** With NODE_ENV=production the API keeps its internals to itself. */
describe(`production mode (${testStorageKind()})`, () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ production: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('turns off Sandbox and introspection', async () => {
    const page = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/sandbox/i);
    const introspection = await t.query('{ __schema { types { name } } }');
    expect(introspection.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('still explains bad input', async () => {
    const result = await t.query('{ products(first: -1) { totalCount } }');
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('answers an operation it cannot choose with 400 OPERATION_RESOLUTION_FAILURE, not an internal error', async () => {
    const several = await t.query('query A { __typename } query B { __typename }');
    expect(several.status).toBe(400);
    expect(several.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(several.errors?.[0]?.message).toMatch(/several operations \(A, B\)/);
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query A { __typename }', operationName: 'Z' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0]).toEqual({
      message: 'The document has no operation named "Z"; it holds A.',
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
    });
  });

  it('answers a persisted query whose hash does not match its text with 400 BAD_REQUEST', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(body.errors[0].message).toMatch(/sha256Hash must be the SHA-256 of its query/);
  });

  it('shows no stack traces, SQL or internal URLs when a subgraph fails', async () => {
    await t.stack.subgraphs.inventory.close();
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products(first: 2) { edges { node { name stock } } } }' }),
    });
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body.errors.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|stacktrace|ECONNREFUSED|select |\.ts:\d+/i);
    expect(body.errors).toEqual([
      {
        message: 'The "inventory" service is unavailable: it could not be reached; the fields it serves are null.',
        path: ['products', 'edges', 0, 'node', 'stock'],
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'inventory' },
      },
    ]);
    // Partial data: the products answer, only inventory's field is null.
    expect(body.data.products.edges.map((edge: any) => edge.node.stock)).toEqual([null, null]);
    expect(body.data.products.edges.every((edge: any) => typeof edge.node.name === 'string')).toBe(true);
    // /ready names replicas by position, not by their internal address.
    const ready = await fetch(`${t.baseUrl}/ready`);
    const readyText = await ready.text();
    expect(ready.status).toBe(503);
    expect(readyText).not.toMatch(/127\.0\.0\.1|localhost/);
    expect(JSON.parse(readyText).replicas.inventory).toEqual([{ replica: 0, state: 'down', inFlight: 0 }]);
  });
});
