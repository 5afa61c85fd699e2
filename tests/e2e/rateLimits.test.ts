import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createAuthenticator } from '../../gateway/auth/authenticate';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { loadSupergraph } from '../../gateway/supergraph';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../../gateway/plugins/rateLimitSettings';
import { createLogger } from '../../platform/logger';
import type { SharedStore } from '../../platform/sharedState/sharedStore';
import { SEED_PRODUCTS } from '../../platform/seedData';
import { graphql } from '../support/graphqlClient';
import { multipartSubscribe, wsClient, wsSubscribe } from '../support/subscriptionClients';
import { openTestSharedStore, testSharedStoreKind } from '../support/testSharedStore';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';

/**
 * Per-client rate limits at the gateway, on the shared store the suite runs
 * on (Redis with TEST_SHARED_STORE=redis, else memory): each case starts
 * gateways of its own, with small budgets, over one running stack.
 */
describe(`rate limits (${testStorageKind()}, ${testSharedStoreKind()} store)`, () => {
  const identitySecret = new Uint8Array(randomBytes(32));
  let t: TestStack;
  let alice: string;
  let bob: string;
  const opened: Array<{ gateway?: RunningGateway; dispose?: () => Promise<void> }> = [];
  beforeAll(async () => {
    t = await startTestStack({ identitySecret });
    alice = await t.logIn('alice@example.com', 'alice-password');
    bob = await t.logIn('bob@example.com', 'bob-password');
  });
  afterAll(async () => {
    for (const { gateway, dispose } of opened.reverse()) {
      await gateway?.close();
      await dispose?.();
    }
    await t?.close();
  });

  /** A shared store of this case's own, so budgets never carry over between cases. */
  async function freshStore(): Promise<SharedStore> {
    const { store, dispose } = await openTestSharedStore();
    opened.push({ dispose });
    return store;
  }

  /** A gateway (production mode) over the running stack's subgraphs, counting budgets in `store`. */
  async function gatewayWith(store: SharedStore, limits: Partial<RateLimits>): Promise<string> {
    const subgraphUrls = Object.fromEntries(Object.entries(t.stack.subgraphs).map(([name, subgraph]) => [name, subgraph.url]));
    const gateway = await startGateway({
      supergraph: loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql')),
      subgraphUrls,
      port: 0,
      host: '127.0.0.1',
      production: true,
      authenticate: createAuthenticator({ jwksUrl: new URL('/.well-known/jwks.json', t.stack.subgraphs.accounts.url).toString() }),
      identitySecret,
      logger: createLogger('gateway', process.env.TEST_LOG_LEVEL ?? 'silent'),
      sharedStore: store,
      rateLimits: { ...DEFAULT_RATE_LIMITS, ...limits },
    });
    opened.push({ gateway });
    return gateway.url;
  }

  const me = (url: string, token?: string) => graphql(url, '{ me { name } }', undefined, { token });

  it('given 30 operations from one user against a budget of 20, then 10 get 429 with Retry-After and RATE_LIMITED, and another user is unaffected', async () => {
    const url = await gatewayWith(await freshStore(), { operations: 20, windowSeconds: 60 });
    const results = [];
    for (let i = 0; i < 30; i += 1) results.push(await me(url, alice));
    expect(results.filter((r) => r.status === 200 && r.data?.me?.name === 'Alice Customer')).toHaveLength(20);
    const refused = results.slice(20);
    for (const result of refused) {
      expect(result.status).toBe(429);
      expect(result.data).toBeUndefined();
      expect(result.errors).toEqual([
        { message: expect.stringMatching(/at most 20 operations .* per 60 s \(RATE_LIMIT_OPERATIONS\)/), extensions: { code: 'RATE_LIMITED' } },
      ]);
      const retryAfter = result.headers.get('retry-after');
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    }
    expect((await me(url, bob)).data?.me?.name).toBe('Bob Customer');
    // An anonymous caller from the same address has a budget of its own.
    expect((await me(url)).status).toBe(200);
  });

  it('given a document with many root fields or aliases, then each counts against the budget', async () => {
    const url = await gatewayWith(await freshStore(), { operations: 20, windowSeconds: 60 });
    const aliased = `{ ${Array.from({ length: 8 }, (_, i) => `m${i}: me { name }`).join(' ')} }`;
    expect((await graphql(url, aliased, undefined, { token: alice })).status).toBe(200);
    expect((await graphql(url, aliased, undefined, { token: alice })).status).toBe(200);
    // 16 spent: a third document of 8 does not fit, a single field still does.
    const third = await graphql(url, aliased, undefined, { token: alice });
    expect(third.status).toBe(429);
    expect(third.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await me(url, alice)).status).toBe(200);
  });

  it('given many aliased logIn attempts in one document, then none runs: 100 exceed MAX_ALIASES, 20 the sign-in budget', async () => {
    const url = await gatewayWith(await freshStore(), { credentials: 5, credentialsWindowSeconds: 300 });
    const guesses = (n: number) =>
      `mutation { ${Array.from({ length: n }, (_, i) => `g${i}: logIn(input: { email: "alice@example.com", password: "guess-${i}" }) { token }`).join(' ')} }`;
    const hundred = await graphql(url, guesses(100));
    expect(hundred.status).toBe(400);
    expect(hundred.errors?.[0]?.message).toMatch(/MAX_ALIASES/);
    const attempt = await graphql(url, guesses(20));
    expect(attempt.status).toBe(429);
    expect(attempt.data).toBeUndefined();
    expect(attempt.errors?.[0]?.message).toMatch(/at most 5 sign-in attempts per 300 s from one address \(RATE_LIMIT_CREDENTIALS\)/);
    // The budget is per attempt, not per request: five tries in separate requests pass (wrong passwords), the sixth is refused.
    const logIn = (password: string, email = 'alice@example.com') =>
      graphql(url, 'mutation($input: LogInInput!) { logIn(input: $input) { token } }', { input: { email, password } });
    const tries = [];
    for (let i = 0; i < 6; i += 1) tries.push(await logIn(`wrong-${i}`));
    expect(tries.slice(0, 5).map((r) => r.errors?.[0]?.extensions?.code)).toEqual(Array(5).fill('UNAUTHENTICATED'));
    expect(tries[5]!.status).toBe(429);
  });

  it('given one email tried from many addresses, then its own budget refuses once spent', async () => {
    // Behind one trusted proxy, each request names another client address.
    const url = await gatewayWith(await freshStore(), { credentials: 3, credentialsWindowSeconds: 300, trustProxy: 1 });
    const from = (address: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
        body: JSON.stringify({ query: 'mutation { logIn(input: { email: "Bob@Example.com", password: "nope" }) { token } }' }),
      });
    const statuses = [];
    for (let i = 1; i <= 4; i += 1) statuses.push((await from(`203.0.113.${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = (await (await from('203.0.113.99')).json()) as { errors: Array<{ message: string }> };
    expect(refused.errors[0]!.message).toMatch(/for one email/);
  });

  it('given a spent budget, then a graphql-ws subscribe and a multipart subscription are refused with RATE_LIMITED too', async () => {
    const url = await gatewayWith(await freshStore(), { operations: 2, windowSeconds: 60 });
    expect((await me(url, alice)).status).toBe(200);
    expect((await me(url, alice)).status).toBe(200);
    const query = `subscription { reviewAdded(productId: "${SEED_PRODUCTS[0]!.id}") { review { id } } }`;
    const ws = wsSubscribe(wsClient(url, alice), query);
    expect(await ws.ended).toEqual([expect.objectContaining({ extensions: { code: 'RATE_LIMITED' } })]);
    await ws.close();
    const multipart = multipartSubscribe(url, query, undefined, alice);
    expect(await multipart.status).toBe(429);
    expect(await multipart.ended).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'RATE_LIMITED' } })] });
  });

  it('given two gateway instances on one shared store, then they enforce one budget between them', async () => {
    const store = await freshStore();
    const [first, second] = [await gatewayWith(store, { operations: 10, windowSeconds: 60 }), await gatewayWith(store, { operations: 10, windowSeconds: 60 })];
    const statuses = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await me(i % 2 ? second : first, alice)).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});
