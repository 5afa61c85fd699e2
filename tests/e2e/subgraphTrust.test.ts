import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../support/testStack';
import { IDENTITY_HEADER, signGatewayIdentity } from '../../platform/auth/gatewayIdentity';
import { signGatewayRequest, type SignOptions } from '../../platform/auth/gatewaySignature';
import type { SubgraphName } from '../../embedded/startStack';
import type { Clock } from '../../platform/clock';

/**
 * Subgraphs answer only the gateway: every request straight to a subgraph's
 * port that the gateway did not sign — unsigned, altered, replayed, stale,
 * forged, or a WebSocket upgrade — gets 401 UNAUTHENTICATED and no data,
 * while everything through the gateway works. The stack runs mid-rotation:
 * the subgraphs also accept the previous secret.
 */
const SUBGRAPHS: SubgraphName[] = ['accounts', 'products', 'inventory', 'orders', 'reviews'];
const TYPENAME = JSON.stringify({ query: '{ __typename }' });

interface Answer {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** What a refused request must look like: 401, one UNAUTHENTICATED error, no data. */
function expectRefused(answer: Answer): void {
  expect(answer.status).toBe(401);
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.errors).toEqual([{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }]);
}

/** Opens a WebSocket to `url` and resolves with the upgrade's HTTP status (101 when it opened). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('subgraphs trust only the gateway', () => {
  const secret = new Uint8Array(randomBytes(32));
  const previousSecret = new Uint8Array(randomBytes(32));
  const otherSecret = new Uint8Array(randomBytes(32));
  let t: TestStack;
  const urlOf = (name: SubgraphName) => t.stack.subgraphs[name].url;
  const signed = (url: string, body: string, key = secret, options: SignOptions & { identity?: string } = {}) =>
    signGatewayRequest({ method: 'POST', url, body, identity: options.identity }, key, options);

  beforeAll(async () => {
    t = await startTestStack({ identitySecret: secret, previousIdentitySecret: previousSecret });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('given calls through the gateway, when they span every subgraph, then they are answered', async () => {
    const data = await t.queryOk<{ products: { edges: unknown[] } }>(
      '{ products(first: 2) { edges { node { id name inStock reviews(first: 1) { edges { node { id } } } } } } }',
    );
    expect(data.products.edges).toHaveLength(2);
    const token = await t.logIn('alice@example.com', 'alice-password');
    const me = await t.queryOk<{ me: { email: string } }>('{ me { email } }', {}, token);
    expect(me.me.email).toBe('alice@example.com');
  });

  it('given a client that sends identity and signature headers to the gateway, then none reaches a subgraph: it stays anonymous', async () => {
    const admin = await signGatewayIdentity({ userId: '00000000-0000-4000-8000-000000000001', role: 'ADMIN' }, secret);
    const forged = signed(urlOf('accounts'), TYPENAME, secret, { identity: admin });
    const answer = await post(t.url, JSON.stringify({ query: '{ me { id } }' }), { ...forged, [IDENTITY_HEADER]: admin });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ me: null });
  });

  it.each(SUBGRAPHS)('given the %s subgraph, when called directly without a signature, then 401 with no data', async (name) => {
    expectRefused(await post(urlOf(name), TYPENAME));
  });

  it.each(SUBGRAPHS)('given the %s subgraph, when _service { sdl } is asked unsigned, then 401; signed, it is answered', async (name) => {
    const body = JSON.stringify({ query: '{ _service { sdl } }' });
    expectRefused(await post(urlOf(name), body));
    const answer = await post(urlOf(name), body, signed(urlOf(name), body));
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ _service: { sdl: expect.stringContaining('type Query') } });
  });

  it('given an identity header copied from a signed request, when sent alone or with a different body, then 401', async () => {
    const url = urlOf('accounts');
    const identity = await signGatewayIdentity({ userId: '00000000-0000-4000-8000-000000000001', role: 'ADMIN' }, secret);
    expectRefused(await post(url, TYPENAME, { [IDENTITY_HEADER]: identity }));
    const captured = signed(url, TYPENAME, secret, { identity });
    expectRefused(await post(url, JSON.stringify({ query: '{ me { email } }' }), captured));
  });

  it('given a captured signed request, when it is replayed with the same headers and body, then only the first is answered', async () => {
    const url = urlOf('products');
    const captured = signed(url, TYPENAME);
    const first = await post(url, TYPENAME, captured);
    expect(first).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
    expectRefused(await post(url, TYPENAME, captured));
    // Another replica of the same subgraph shares the nonces (the shared store): the inventory subgraph stands in for one.
    expectRefused(await post(urlOf('inventory'), TYPENAME, captured));
  });

  it('given a signature created beyond the window, or beyond the skew in the future, then 401', async () => {
    const url = urlOf('reviews');
    const at = (offsetMs: number): Clock => ({ now: () => new Date(Date.now() + offsetMs) });
    expectRefused(await post(url, TYPENAME, signed(url, TYPENAME, secret, { clock: at(-40_000) })));
    expectRefused(await post(url, TYPENAME, signed(url, TYPENAME, secret, { clock: at(+10_000) })));
    // Within the skew either way it is still accepted.
    expect((await post(url, TYPENAME, signed(url, TYPENAME, secret, { clock: at(-30_000) }))).status).toBe(200);
    expect((await post(url, TYPENAME, signed(url, TYPENAME, secret, { clock: at(+3_000) }))).status).toBe(200);
  });

  it('given a signature made with another key, then 401', async () => {
    const url = urlOf('orders');
    expectRefused(await post(url, TYPENAME, signed(url, TYPENAME, otherSecret)));
    // Another key's signature under the gateway's key id is refused too.
    const forged = signed(url, TYPENAME, otherSecret);
    const keyid = /keyid="([^"]+)"/.exec(signed(url, TYPENAME)['signature-input'])![1]!;
    expectRefused(await post(url, TYPENAME, { ...forged, 'signature-input': forged['signature-input'].replace(/keyid="[^"]+"/, `keyid="${keyid}"`) }));
  });

  it('given the previous secret during a rotation, then its signatures are accepted', async () => {
    const url = urlOf('accounts');
    const answer = await post(url, TYPENAME, signed(url, TYPENAME, previousSecret));
    expect(answer).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
    const identity = await signGatewayIdentity({ userId: '00000000-0000-4000-8000-000000000001', role: 'CUSTOMER' }, previousSecret);
    const body = JSON.stringify({ query: '{ __typename }' });
    expect((await post(url, body, signed(url, body, previousSecret, { identity }))).status).toBe(200);
  });

  it.each(SUBGRAPHS)('given the %s subgraph, when a WebSocket upgrade is unsigned or forged, then 401; signed, it opens', async (name) => {
    const url = urlOf(name);
    expect(await upgradeStatus(url)).toBe(401);
    const forged = signGatewayRequest({ method: 'GET', url, body: '', identity: undefined }, otherSecret);
    expect(await upgradeStatus(url, forged)).toBe(401);
    expect(await upgradeStatus(url, signGatewayRequest({ method: 'GET', url, body: '', identity: undefined }, secret))).toBe(101);
  });

  it('given /health and /ready, then they stay open', async () => {
    for (const name of SUBGRAPHS) {
      const base = urlOf(name).replace(/\/graphql$/, '');
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/ready`)).status).toBe(200);
    }
  });
});
