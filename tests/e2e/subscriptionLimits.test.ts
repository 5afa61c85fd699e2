import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { testEventBusKind } from '../support/testEventBus';
import { eventually } from '../support/eventually';
import { multipartSubscribe, wsClient, wsSubscribe } from '../support/subscriptionClients';
import { ManualClock } from '../support/manualClock';
import { SEED_PRODUCTS } from '../../platform/seedData';

const REVIEWS = `subscription($p: ID!) { reviewAdded(productId: $p) { review { id } } }`;

/** The limits a subscription lives within: token lifetime, subscriptions per connection, message size, shutdown. */
describe(`subscription limits (${testStorageKind()}, ${testEventBusKind()})`, () => {
  let t: TestStack;
  // Tokens live 60 s; the stack's clock is moved past that to watch them expire.
  const clock = new ManualClock();
  beforeAll(async () => {
    t = await startTestStack({ clock, jwt: { issuer: 'commerce-accounts', audience: 'commerce-api', ttlSeconds: 60 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('given a token that expires, then its graphql-ws connection is closed 4403 and its multipart subscription ends with UNAUTHENTICATED', async () => {
    const token = await t.logIn('alice@example.com', 'alice-password');
    const before = t.stack.gateway.subscriptions.subscriberCount;
    const overWs = wsSubscribe(wsClient(t.url, token), REVIEWS, { p: SEED_PRODUCTS[1]!.id });
    const overHttp = multipartSubscribe(t.url, REVIEWS, { p: SEED_PRODUCTS[1]!.id }, token);
    await eventually(() => t.stack.gateway.subscriptions.subscriberCount === before + 2, 'both subscriptions live');
    // To a second before the token's `exp` (whole seconds), then past it.
    clock.advance(expiryOf(token) - clock.now().getTime() - 1000);
    expect(t.stack.gateway.subscriptions.subscriberCount).toBe(before + 2);
    clock.advance(2_000);
    expect(await overWs.ended).toMatchObject({ code: 4403 });
    const ended = await overHttp.ended;
    expect(JSON.stringify(ended)).toMatch(/UNAUTHENTICATED/);
    expect(JSON.stringify(ended)).toMatch(/expired/);
    await Promise.all([overWs.close(), overHttp.close()]);
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0, 'released after expiry');
  });

  it('caps subscriptions per connection at 100', async () => {
    const client = wsClient(t.url);
    const subs = Array.from({ length: 101 }, () => wsSubscribe(client, REVIEWS, { p: SEED_PRODUCTS[2]!.id }));
    const refused = await subs[100]!.ended;
    expect(refused).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/at most 100 subscriptions/), extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }),
    ]);
    await eventually(() => t.stack.gateway.subscriptions.subscriberCount === 100, '100 subscribers held');
    // Identical anonymous subscriptions: one upstream subscription serves all hundred.
    expect(t.stack.gateway.subscriptions.upstreamCount).toBe(1);
    await client.dispose();
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0, 'released on disconnect');
  });

  it('closes a connection that sends a message over 64 KiB with 1009', async () => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { reviewAdded(productId: "${'x'.repeat(70 * 1024)}") { cursor } }` } }),
    );
    expect(await closed).toBe(1009);
  });

  it('closes sockets with 1001 when the gateway shuts down', async () => {
    const other = await startTestStack();
    try {
      const socket = new WebSocket(other.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      await new Promise((resolve) => socket.once('message', resolve));
      await other.stack.gateway.close();
      expect(await closed).toBe(1001);
    } finally {
      await other.close();
    }
  });
});

/** When a token expires (ms since the epoch): its `exp` claim. */
function expiryOf(token: string): number {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
}
