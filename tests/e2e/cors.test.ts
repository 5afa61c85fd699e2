import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { CORS_ALLOWED_HEADERS } from '../../gateway/http/cors';
import { readGatewaySettings } from '../../gateway/gatewayConfig';
import { readCommonConfig } from '../../platform/config';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';

/** Browser apps on other origins: what the gateway answers each origin, over HTTP, multipart and WebSocket. */
describe(`CORS (${testStorageKind()})`, () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({
      gateway: { ...readGatewaySettings({}, readCommonConfig({})), cors: { origins: ['https://shop.example.com'], allowLocalhost: true } },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const preflight = (origin: string) =>
    fetch(t.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
  const post = (origin: string, query: string, variables?: Record<string, unknown>) =>
    fetch(t.url, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const signUp = 'mutation($input: SignUpInput!) { signUp(input: $input) { user { email } } }';

  it.each(['http://localhost:3000', 'http://127.0.0.1:5173', 'https://shop.example.com'])(
    'answers a preflight from %s with 204 and the CORS headers',
    async (origin) => {
      const response = await preflight(origin);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('vary')).toMatch(/Origin/);
      expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(response.headers.get('access-control-allow-methods')).toMatch(/GET/);
      const allowed = response.headers.get('access-control-allow-headers')!.split(/,\s*/);
      for (const header of CORS_ALLOWED_HEADERS) expect(allowed).toContain(header);
      expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    },
  );

  it('serves a POST from an allowed origin with the same headers', async () => {
    const response = await post('http://localhost:3000', '{ products(first: 1) { totalCount } }');
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(response.headers.get('vary')).toMatch(/Origin/);
    expect(response.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    expect(((await response.json()) as any).data.products.totalCount).toBe(40);
  });

  it('gives a disallowed origin no CORS headers and does not execute its request', async () => {
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.status).toBe(403);

    const email = `cors-${randomBytes(4).toString('hex')}@example.com`;
    const input = { email, name: 'Evil', password: 'evil-password' };
    const response = await post('https://evil.example', signUp, { input });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('FORBIDDEN');
    // Not executed: the same sign-up from an allowed origin finds the email free.
    const allowed = await post('https://shop.example.com', signUp, { input });
    expect(((await allowed.json()) as any).data.signUp.user.email).toBe(email);
  });

  it('refuses a multipart subscription from a disallowed origin', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec=1.0' },
      body: JSON.stringify({ query: 'subscription { stockChanged(productId: "00000000-0000-4000-8000-000000000000") { stock } }' }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves requests without an Origin (curl, servers) and same-origin requests', async () => {
    const plain = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(plain.status).toBe(200);
    const sameOrigin = await post(new URL(t.url).origin, '{ __typename }');
    expect(sameOrigin.status).toBe(200);
  });

  it('checks the Origin of a WebSocket upgrade against the same list', async () => {
    const wsUrl = t.url.replace('http', 'ws');
    const refused = new WebSocket(wsUrl, 'graphql-transport-ws', { origin: 'https://evil.example' });
    const status = await new Promise<number>((resolve, reject) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('open', () => reject(new Error('a disallowed origin got a WebSocket')));
      refused.once('error', () => undefined);
    });
    expect(status).toBe(403);

    const accepted = new WebSocket(wsUrl, 'graphql-transport-ws', { origin: 'http://localhost:3000' });
    await new Promise((resolve, reject) => {
      accepted.once('open', resolve);
      accepted.once('error', reject);
    });
    accepted.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    const ack = await new Promise<string>((resolve) => accepted.once('message', (data) => resolve(data.toString())));
    expect(JSON.parse(ack).type).toBe('connection_ack');
    accepted.close();
  });
});
