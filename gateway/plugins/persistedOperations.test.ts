import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { startTestStack, type TestStack } from '../../tests/support/testStack';
import { openTestSharedStore, testSharedStoreKind } from '../../tests/support/testSharedStore';
import { wsClient, wsSubscribe } from '../../tests/support/subscriptionClients';
import { eventually } from '../../tests/support/eventually';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { createLogger } from '../../platform/logger';
import type { SharedStore } from '../../platform/sharedState/sharedStore';
import { startGateway, type GatewayOptions, type RunningGateway } from '../server';
import { loadSupergraph } from '../supergraph';
import { createAuthenticator } from '../auth/authenticate';
import { DEFAULT_PERSISTED_OPERATIONS_MANIFEST } from '../gatewayConfig';
import { loadPersistedQueryManifest, type PersistedQueryManifest } from './persistedOperations';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (text: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(text) } });

/** A query no other suite sends, so its hash starts unknown in a shared Redis. */
const uniqueQuery = (label: string) => `query ${label}_${randomBytes(4).toString('hex')} { products(first: 1) { totalCount } }`;

interface Sent {
  method: string;
  body?: any;
  search?: URLSearchParams;
}

/** Apollo Client with its persisted query link over `HttpLink`, as an app would build it; every request it makes is recorded. */
function persistedClient(url: string, options: { useGETForHashedQueries?: boolean } = {}) {
  const sent: Sent[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const target = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    sent.push(method === 'GET' ? { method, search: target.searchParams } : { method, body: JSON.parse(String(init?.body)) });
    return fetch(input, init);
  };
  const link = createPersistedQueryLink({ sha256, ...options }).concat(new HttpLink({ uri: url, fetch: recordingFetch }));
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), sent };
}

async function post(url: string, body: unknown): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function get(url: string, params: Record<string, unknown>): Promise<{ status: number; headers: Headers; body: any }> {
  const search = new URLSearchParams(
    Object.entries(params).map(([name, value]): [string, string] => [name, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
  const response = await fetch(`${url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe(`persisted operations end to end (shared store: ${testSharedStoreKind()})`, () => {
  const identitySecret = new Uint8Array(randomBytes(32));
  let shared: { store: SharedStore; dispose(): Promise<void> };
  let t: TestStack;
  /** Gateways besides the stack's, over the same subgraphs. */
  const gateways: RunningGateway[] = [];
  let second: RunningGateway;
  let safelist: RunningGateway;
  let off: RunningGateway;
  let manifest: PersistedQueryManifest;

  /** One more gateway instance in front of the stack's subgraphs. */
  async function startAnotherGateway(options: Partial<GatewayOptions>): Promise<RunningGateway> {
    const jwksUrl = new URL('/.well-known/jwks.json', t.stack.subgraphs.accounts.url).toString();
    const gateway = await startGateway({
      supergraph: loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql')),
      subgraphUrls: t.stack.gateway.subgraphUrls,
      port: 0,
      host: '127.0.0.1',
      production: false,
      authenticate: createAuthenticator({ jwksUrl, issuer: 'commerce-accounts', audience: 'commerce-api' }),
      identitySecret,
      logger: createLogger('gateway', process.env.TEST_LOG_LEVEL ?? 'silent'),
      ...options,
    });
    gateways.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    shared = await openTestSharedStore();
    t = await startTestStack({ identitySecret, sharedStore: shared.store });
    second = await startAnotherGateway({ sharedStore: shared.store });
    safelist = await startAnotherGateway({ persistedOperations: 'safelist' });
    off = await startAnotherGateway({ persistedOperations: 'off' });
    manifest = loadPersistedQueryManifest(DEFAULT_PERSISTED_OPERATIONS_MANIFEST);
  });
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await t?.close();
    await shared?.dispose();
  });

  describe('apq (the default)', () => {
    it('given Apollo Client with the persisted query link, when it runs a query twice, then it registers it once and afterwards sends only the hash', async () => {
      const { client, sent } = persistedClient(t.url);
      const query = gql(uniqueQuery('Twice'));
      const first = await client.query({ query, fetchPolicy: 'network-only' });
      const again = await client.query({ query, fetchPolicy: 'network-only' });
      expect(first.data).toEqual({ products: { __typename: 'ProductConnection', totalCount: SEED_PRODUCTS.length } });
      expect(again.data).toEqual(first.data);
      // Hash only (unknown), then the query with its hash, then the hash alone again.
      expect(sent.map(({ body }) => [body.query !== undefined, body.extensions.persistedQuery.version])).toEqual([
        [false, 1],
        [true, 1],
        [false, 1],
      ]);
    });

    it('given the link with useGETForHashedQueries, when it runs a query twice, then the hash-only requests are GETs and both are answered', async () => {
      const { client, sent } = persistedClient(t.url, { useGETForHashedQueries: true });
      const query = gql(uniqueQuery('ByGet'));
      await client.query({ query, fetchPolicy: 'network-only' });
      const again = await client.query({ query, fetchPolicy: 'network-only' });
      expect(again.data).toEqual({ products: { __typename: 'ProductConnection', totalCount: SEED_PRODUCTS.length } });
      expect(sent.map(({ method }) => method)).toEqual(['GET', 'POST', 'GET']);
      expect(sent[2]!.search?.get('query')).toBeNull();
    });

    it('given an unknown hash, when it is sent alone by GET and by POST, then both get 200 PERSISTED_QUERY_NOT_FOUND, uncached, and nothing runs', async () => {
      const query = uniqueQuery('Unknown');
      for (const response of [await get(t.url, { extensions: persisted(query) }), await post(t.url, { extensions: persisted(query) })]) {
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
        expect(response.body.data).toBeUndefined();
        expect(response.body.errors).toEqual([
          { message: expect.stringMatching(/^PersistedQueryNotFound/), extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
        ]);
      }
    });

    it('given a query registered by POST, when its hash is sent alone by GET and by POST, then both run it', async () => {
      const query = uniqueQuery('ByHand');
      const registered = await post(t.url, { query, extensions: persisted(query) });
      expect(registered.body).toEqual({ data: { products: { totalCount: SEED_PRODUCTS.length } } });
      expect(await shared.store.get(`apq:${sha256(query)}`)).toBe(query);
      expect((await get(t.url, { extensions: persisted(query) })).body).toEqual(registered.body);
      expect((await post(t.url, { extensions: persisted(query) })).body).toEqual(registered.body);
    });

    it('given a hash that is not its query’s, when they are sent together, then it is 400 BAD_REQUEST naming both hashes, and nothing is stored', async () => {
      const query = uniqueQuery('Mismatch');
      const wrong = '0'.repeat(64);
      const response = await post(t.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
      expect(response.body.errors[0].message).toMatch(/sha256Hash must be the SHA-256 of its query/);
      expect(response.body.errors[0].message).toContain(wrong);
      expect(response.body.errors[0].message).toContain(sha256(query));
      expect(await shared.store.get(`apq:${wrong}`)).toBeUndefined();
    });

    it.each([
      [{ version: 2, sha256Hash: 'a'.repeat(64) }, /version 2: extensions.persistedQuery.version must be 1/],
      [{ version: 1, sha256Hash: 'not-a-hash' }, /sha256Hash must be 64 hexadecimal digits/],
      ['yes', /persistedQuery must be an object/],
    ])('given the persisted query extension %j, when it is sent, then it is 400 BAD_REQUEST', async (persistedQuery, message) => {
      const response = await post(t.url, { query: '{ __typename }', extensions: { persistedQuery } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(response.body.errors[0].message).toMatch(message);
    });

    it('given a query with its hash that fails validation, when it is sent, then it is refused and not stored, so its hash alone stays unknown', async () => {
      const query = `query Invalid_${randomBytes(4).toString('hex')} { products(first: 1) { noSuchField } }`;
      const response = await post(t.url, { query, extensions: persisted(query) });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect((await post(t.url, { extensions: persisted(query) })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    });

    it('given a query beyond the limits with its hash, when it is sent, then it is refused and not stored', async () => {
      // Deeper than MAX_DEPTH (15): refused before it is validated.
      const query = `query Deep_${randomBytes(4).toString('hex')} { ${'me { orders(first: 1) { edges { node { lines { product { '.repeat(3)}id${' } } } } } }'.repeat(3)} }`;
      const response = await post(t.url, { query, extensions: persisted(query) });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].message).toMatch(/MAX_DEPTH/);
      expect((await post(t.url, { extensions: persisted(query) })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    });

    it(`given two gateway instances sharing one store (${testSharedStoreKind()}), when a query is registered through one, then the other serves its hash alone`, async () => {
      const query = uniqueQuery('Shared');
      expect((await post(second.url, { extensions: persisted(query) })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      await post(t.url, { query, extensions: persisted(query) });
      expect((await post(second.url, { extensions: persisted(query) })).body).toEqual({ data: { products: { totalCount: SEED_PRODUCTS.length } } });
      // And Apollo Client on the second instance never sends the text one registered through the first.
      const document = gql(uniqueQuery('SharedClient'));
      const first = persistedClient(t.url);
      await first.client.query({ query: document, fetchPolicy: 'network-only' });
      const other = persistedClient(second.url);
      const result = await other.client.query({ query: document, fetchPolicy: 'network-only' });
      expect(result.data).toEqual({ products: { __typename: 'ProductConnection', totalCount: SEED_PRODUCTS.length } });
      expect(first.sent.map(({ body }) => body.query !== undefined)).toEqual([false, true]);
      expect(other.sent.map(({ body }) => body.query)).toEqual([undefined]);
    });

    it('given a subscription, when its hash is sent alone over graphql-ws, then it gets PERSISTED_QUERY_NOT_FOUND; once registered over graphql-ws, the hash alone subscribes', async () => {
      const query = `subscription Stock_${randomBytes(4).toString('hex')}($productId: ID!) { stockChanged(productId: $productId) { stock } }`;
      const variables = { productId: SEED_PRODUCTS[0]!.id };
      const client = wsClient(t.url);
      try {
        const unknown = await new Promise<any>((resolve) =>
          client.subscribe(
            { query: '', variables, extensions: persisted(query) },
            { next: () => undefined, error: resolve, complete: () => resolve(undefined) },
          ),
        );
        expect(unknown).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })]);
        const before = t.stack.gateway.subscriptions.subscriberCount;
        const stop = [
          client.subscribe({ query, variables, extensions: persisted(query) }, { next: () => undefined, error: () => undefined, complete: () => undefined }),
        ];
        await eventually(async () => (await shared.store.get(`apq:${sha256(query)}`)) === query, 'the subscription is registered');
        stop.push(
          client.subscribe(
            { query: '', variables, extensions: persisted(query) },
            { next: () => undefined, error: () => undefined, complete: () => undefined },
          ),
        );
        await eventually(() => t.stack.gateway.subscriptions.subscriberCount === before + 2, 'both subscriptions run');
        for (const unsubscribe of stop) unsubscribe();
      } finally {
        await client.dispose();
      }
    });
  });

  describe('safelist', () => {
    it('given Apollo Client with the persisted query link, when it runs an operation of schema/operations, then the hash alone runs it', async () => {
      const { client, sent } = persistedClient(safelist.url);
      const text = fs.readFileSync(path.resolve(__dirname, '../../schema/operations/everything.graphql'), 'utf8');
      const result = await client.query({ query: gql(text), fetchPolicy: 'network-only' });
      expect(result.data).toMatchObject({ me: null, products: { totalCount: expect.any(Number) } });
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body.query).toBeUndefined();
      expect(manifest.operations.map(({ id }) => id)).toContain(sent[0]!.body.extensions.persistedQuery.sha256Hash);
    });

    it('given Apollo Client with the persisted query link, when it runs an operation not in the manifest, then it fails with PERSISTED_QUERY_NOT_IN_LIST and does not send the text', async () => {
      const { client, sent } = persistedClient(safelist.url);
      // A 400: Apollo Client reports it as a ServerError carrying the body.
      await expect(client.query({ query: gql(uniqueQuery('Unlisted')), fetchPolicy: 'network-only' })).rejects.toMatchObject({
        statusCode: 400,
        bodyText: expect.stringContaining('"code":"PERSISTED_QUERY_NOT_IN_LIST"'),
      });
      expect(sent.every(({ body }) => body.query === undefined)).toBe(true);
    });

    it('given the manifest’s text of an operation, when it is sent without a hash by POST or GET, then it runs', async () => {
      const everything = manifest.operations.find(({ name }) => name === 'Everything')!;
      for (const response of [await post(safelist.url, { query: everything.body }), await get(safelist.url, { query: everything.body })]) {
        expect(response.status).toBe(200);
        expect(response.body.data).toMatchObject({ me: null });
      }
    });

    it.each([
      ['any other text', { query: '{ __typename }' }],
      ['Sandbox’s introspection', { query: '{ __schema { queryType { name } } }' }],
      ['an unknown hash', { extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } }],
      ['a text with its own hash', { query: '{ __typename }', extensions: persisted('{ __typename }') }],
    ])('given %s, when it is sent over HTTP, then it is 400 PERSISTED_QUERY_NOT_IN_LIST and nothing runs', async (_what, body) => {
      const response = await post(safelist.url, body);
      expect(response.status).toBe(400);
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors).toEqual([{ message: expect.stringMatching(/is not one of them/), extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } }]);
    });

    it('given a subscription not in the manifest, when it is sent over graphql-ws, then it gets an error message PERSISTED_QUERY_NOT_IN_LIST', async () => {
      const client = wsClient(safelist.url);
      try {
        const subscription = wsSubscribe(client, 'subscription($productId: ID!) { stockChanged(productId: $productId) { stock } }', {
          productId: SEED_PRODUCTS[0]!.id,
        });
        expect(await subscription.ended).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } })]);
      } finally {
        await client.dispose();
      }
    });
  });

  describe('off', () => {
    it('given Apollo Client with the persisted query link, when it runs a query, then PERSISTED_QUERY_NOT_SUPPORTED makes it send the text without a hash from then on', async () => {
      const { client, sent } = persistedClient(off.url);
      const query = gql(uniqueQuery('Off'));
      await client.query({ query, fetchPolicy: 'network-only' });
      const again = await client.query({ query, fetchPolicy: 'network-only' });
      expect(again.data).toEqual({ products: { __typename: 'ProductConnection', totalCount: SEED_PRODUCTS.length } });
      expect(sent.map(({ body }) => [body.query !== undefined, body.extensions?.persistedQuery !== undefined])).toEqual([
        [false, true],
        [true, false],
        [true, false],
      ]);
    });

    it('given a query with its hash, when it is sent, then it is PERSISTED_QUERY_NOT_SUPPORTED with 200', async () => {
      const response = await post(off.url, { query: '{ __typename }', extensions: persisted('{ __typename }') });
      expect(response.status).toBe(200);
      expect(response.body.errors[0].extensions).toEqual({ code: 'PERSISTED_QUERY_NOT_SUPPORTED' });
    });
  });
});
