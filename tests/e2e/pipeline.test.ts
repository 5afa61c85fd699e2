import type { GatewayOperation, GatewayPlugin } from '../../gateway/plugins/gatewayPlugin';
import { GATEWAY_PRINCIPAL } from '../../gateway/subscriptions/ownerFilter';
import { startTestStack, type TestStack } from '../support/testStack';
import { testStorageKind } from '../support/testStorage';
import { multipartSubscribe, wsClient, wsSubscribe } from '../support/subscriptionClients';
import { eventually } from '../support/eventually';
import { liveWatchCount } from '../../platform/events/watchEvents';

interface Seen {
  hook: string;
  transport: string;
  operationId?: string;
  requestId: string;
  userId: string | null;
  headers?: Record<string, string>;
  status?: number;
}

/** A plugin that writes down every hook it sees: the gateway runs it after its own. */
function recorder(seen: Seen[]): GatewayPlugin {
  const base = (operation: GatewayOperation) => ({
    transport: operation.request.transport,
    operationId: operation.id,
    requestId: operation.request.requestId,
    userId: operation.request.viewer?.userId ?? null,
  });
  return {
    name: 'recorder',
    onRequest: (request) =>
      void seen.push({ hook: 'request', transport: request.transport, requestId: request.requestId, userId: request.viewer?.userId ?? null }),
    onOperation: (operation) => void seen.push({ hook: 'operation', ...base(operation) }),
    onPlan: (operation) => void seen.push({ hook: 'plan', ...base(operation) }),
    onSubgraphRequest: (operation, request) =>
      void seen.push({ hook: `subgraph:${request.subgraph}`, ...base(operation), headers: Object.fromEntries(request.headers) }),
    onEnd: (operation) => void seen.push({ hook: 'end', ...base(operation), status: operation.status }),
  };
}

/**
 * One pipeline, three transports: an HTTP query, a graphql-ws subscription
 * and a multipart subscription each run the same plugin hooks — the same
 * request id from arrival to every subgraph request, the same verified
 * caller, the caller's identity signed onto its subgraph requests, and one
 * end (the access-log line) per operation.
 */
describe(`the gateway pipeline on every transport (${testStorageKind()})`, () => {
  let t: TestStack;
  let alice: string;
  let aliceId: string;
  let productId: string;
  const seen: Seen[] = [];
  beforeAll(async () => {
    t = await startTestStack({ gatewayPlugins: [recorder(seen)] });
    alice = await t.logIn('alice@example.com', 'alice-password');
    aliceId = (await t.queryOk('{ me { id } }', {}, alice)).me.id;
    productId = (await t.queryOk('{ products(first: 1, filter: { category: "books" }) { edges { node { id } } } }')).products.edges[0].node.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const forOperation = (id: string) => seen.filter((entry) => entry.operationId === id || (entry.hook === 'request' && entry.requestId === id));
  const placeOrder = () =>
    t.queryOk('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }', { input: { lines: [{ productId, quantity: 1 }] } }, alice);

  it('runs an HTTP query through every hook with the client request id and the caller identity', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}`, 'x-request-id': 'pipeline-http-1' },
      body: JSON.stringify({ query: 'query Mine { me { name orders(first: 1) { totalCount } } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('pipeline-http-1');
    await eventually(() => forOperation('pipeline-http-1').some((entry) => entry.hook === 'end'), 'the operation to end');
    const entries = forOperation('pipeline-http-1');
    expect(entries.map((entry) => entry.hook)).toEqual(expect.arrayContaining(['request', 'operation', 'plan', 'subgraph:accounts', 'subgraph:orders', 'end']));
    for (const entry of entries) expect(entry).toMatchObject({ transport: 'http', userId: aliceId });
    for (const entry of entries.filter((e) => e.hook.startsWith('subgraph:'))) {
      expect(entry.headers?.['x-request-id']).toBe('pipeline-http-1');
      expect(entry.headers?.['x-gateway-identity']).toMatch(/^ey/);
    }
    expect(entries.filter((entry) => entry.hook === 'end')).toEqual([expect.objectContaining({ status: 200 })]);
  });

  it.each(['graphql-ws', 'multipart'] as const)('runs a %s subscription through the same hooks, upstream and per event', async (transport) => {
    const query = 'subscription Mine { orderStatusChanged { status order { lines { product { name } } } } }';
    // The other transport's subscription is gone, so this one opens its own upstream subscription.
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 0 && liveWatchCount() === 0, 'no subscription left from before');
    const before = seen.length;
    const subscription = transport === 'graphql-ws' ? wsSubscribe(wsClient(t.url, alice), query) : multipartSubscribe(t.url, query, undefined, alice);
    // Live in the subgraph, so the order placed next is seen.
    await eventually(() => t.stack.gateway.subscriptions.upstreamCount === 1 && liveWatchCount() === 1, 'the subscription live in the subgraph');
    await placeOrder();
    await subscription.waitFor(1);
    await subscription.close();
    const operation = seen.slice(before).find((entry) => entry.hook === 'operation' && entry.transport === transport);
    expect(operation).toMatchObject({ userId: aliceId });
    await eventually(() => forOperation(operation!.operationId!).some((entry) => entry.hook === 'end'), 'the subscription to end');
    const entries = forOperation(operation!.operationId!);
    expect(entries.map((entry) => entry.hook)).toEqual(expect.arrayContaining(['operation', 'plan', 'subgraph:orders', 'end']));
    // Its request ran the same request hooks (request id, identity) first.
    expect(
      seen.some(
        (entry) =>
          entry.hook === 'request' &&
          entry.transport === (transport === 'multipart' ? 'http' : transport) &&
          entry.requestId === operation!.requestId &&
          entry.userId === aliceId,
      ),
    ).toBe(true);
    for (const entry of entries.filter((e) => e.hook.startsWith('subgraph:'))) expect(entry.headers?.['x-request-id']).toBe(operation!.operationId);
    // orderStatusChanged is owner-filtered (gateway/subscriptions/ownerFilter.ts): the upstream subscription is signed
    // as the gateway's ADMIN principal, and the per-event entity fetches (products) go as an anonymous caller.
    const signed = entries.filter((e) => e.hook.startsWith('subgraph:') && e.headers?.['x-gateway-identity']);
    expect(signed.map((e) => e.hook)).toEqual(['subgraph:orders']);
    expect(signed[0]!.headers!['x-gateway-identity']).toMatch(/^ey/);
    expect(signed[0]!.userId).toBe(GATEWAY_PRINCIPAL.userId);
    expect(entries.some((e) => e.hook === 'subgraph:products' && !e.headers?.['x-gateway-identity'])).toBe(true);
    expect(entries.filter((entry) => entry.hook === 'end')).toHaveLength(1);
  });
});
