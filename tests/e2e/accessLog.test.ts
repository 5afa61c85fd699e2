import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { freeStackPorts } from '../../subgraphs/registry';
import { ensureBuilt, listeningUrl, productEnv, spawnProduct, type ProductProcess } from '../support/processes';

/**
 * The access log of the built stack (`node dist/embedded/main.js`, what
 * `npm start` runs) under NODE_ENV=production: an HTTP query, a graphql-ws
 * subscription and a multipart subscription each get one line from the same
 * plugin, with the request id the client sent and the caller's user id.
 */
describe('access log over every transport (built stack, production)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'access-log-'));
  let stack: ProductProcess;
  let url: string;

  beforeAll(async () => {
    ensureBuilt();
    stack = spawnProduct('embedded/main.js', productEnv({ NODE_ENV: 'production', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...freeStackPorts() }));
    url = await listeningUrl(stack, 'gateway listening');
  }, 120_000);
  afterAll(async () => {
    stack?.child.kill('SIGTERM');
    await stack?.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const lineFor = async (requestId: string) => {
    await stack.waitForLine(new RegExp(`"requestId":"${requestId}".*"msg":"operation"`), 15_000);
    return stack.logEntries().filter((entry) => entry.msg === 'operation' && entry.requestId === requestId);
  };

  it('given one caller on HTTP, graphql-ws and multipart, then each operation gets one line with its request id, transport and user id', async () => {
    const logIn = await post({ query: 'mutation { logIn(input: { email: "alice@example.com", password: "alice-password" }) { token user { id } } }' });
    const { token, user } = ((await logIn.json()) as { data: { logIn: { token: string; user: { id: string } } } }).data.logIn;
    const authorization = `Bearer ${token}`;
    const subscription = 'subscription Mine { orderStatusChanged { status } }';

    const query = await post({ query: 'query Me { me { name } }' }, { authorization, 'x-request-id': 'log-http' });
    expect(await query.json()).toEqual({ data: { me: { name: 'Alice Customer' } } });

    // graphql-ws, by hand: the request id rides on the upgrade, the token in connection_init.
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: { 'x-request-id': 'log-ws' } });
    const messages: Array<{ type: string }> = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
    await until(() => messages.some((message) => message.type === 'connection_ack'));
    socket.send(JSON.stringify({ id: 's1', type: 'subscribe', payload: { query: subscription, operationName: 'Mine' } }));
    // Live once it delivers: an order placed now reaches it; then the client completes it.
    const products = (await (await post({ query: '{ products(first: 1) { edges { node { id } } } }' })).json()) as {
      data: { products: { edges: Array<{ node: { id: string } }> } };
    };
    const productId = products.data.products.edges[0]!.node.id;
    await until(async () => {
      await post({ query: `mutation { placeOrder(input: { lines: [{ productId: "${productId}", quantity: 1 }] }) { order { id } } }` }, { authorization });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return messages.some((message) => message.type === 'next');
    });
    socket.send(JSON.stringify({ id: 's1', type: 'complete' }));

    const multipart = new AbortController();
    const response = await fetch(url, {
      method: 'POST',
      signal: multipart.signal,
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec=1.0', authorization, 'x-request-id': 'log-multipart' },
      body: JSON.stringify({ query: subscription, operationName: 'Mine' }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    // The first heartbeat: the subscription is live.
    await reader.read();
    multipart.abort();

    const [http] = await lineFor('log-http');
    const [ws] = await lineFor('log-ws:s1');
    const [mp] = await lineFor('log-multipart');
    socket.close();
    expect(http).toMatchObject({ transport: 'http', operationName: 'Me', operation: 'query', status: 200, errorCodes: [], userId: user.id });
    expect(ws).toMatchObject({ transport: 'graphql-ws', operationName: 'Mine', operation: 'subscription', errorCodes: [], userId: user.id });
    expect(mp).toMatchObject({ transport: 'multipart', operationName: 'Mine', operation: 'subscription', status: 200, errorCodes: [], userId: user.id });
    // The same fields, from the same plugin; nothing of the request's content.
    for (const line of [http, ws, mp]) {
      expect(
        Object.keys(line!)
          .filter((key) => !['level', 'time', 'pid', 'hostname', 'name', 'msg', 'status', 'cost'].includes(key))
          .sort(),
      ).toEqual(['durationMs', 'errorCodes', 'operation', 'operationName', 'requestId', 'transport', 'userId'].sort());
      expect(JSON.stringify(line)).not.toContain(token);
    }
  }, 60_000);
});

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('Timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
