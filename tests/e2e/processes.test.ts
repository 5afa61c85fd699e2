import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { openStorage } from '../../platform/storage/openStorage';
import { signGatewayRequest } from '../../platform/auth/gatewaySignature';
import { createTestDatabase, testStorageKind } from '../support/testStorage';
import { ensureBuilt, listeningUrl, postInTwoParts, productEnv, spawnProduct, type ProductProcess } from '../support/processes';

/**
 * The built processes as an operator runs them — `node dist/gateway/main.js`
 * and `node dist/subgraphs/<name>/main.js`, each alone, under
 * NODE_ENV=production (where Apollo Server would install its own signal
 * handlers) — signalled while a request is in flight.
 */
describe(`built processes under NODE_ENV=production (${testStorageKind()})`, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'processes-'));
  const secret = randomBytes(32).toString('base64url');
  const running: ProductProcess[] = [];
  let database: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    ensureBuilt();
    if (testStorageKind() === 'postgres') database = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    for (const process of running) process.child.kill('SIGKILL');
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (script: string, env: NodeJS.ProcessEnv) => {
    const process = spawnProduct(
      script,
      productEnv({ NODE_ENV: 'production', LOG_LEVEL: 'info', PORT: '0', DATA_DIR: dataDir, GATEWAY_IDENTITY_SECRET: secret, SEED: 'false', ...env }),
    );
    running.push(process);
    return process;
  };

  it('the gateway finishes a request in flight on SIGTERM, closes its connection and exits 0', async () => {
    const gateway = start('gateway/main.js', { JWKS_URL: `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json` });
    const url = await listeningUrl(gateway, 'gateway listening');
    const inFlight = postInTwoParts(url, JSON.stringify({ query: 'query Probe { __typename }' }), { 'x-request-id': 'in-flight-1' });
    await inFlight.accepted;
    gateway.child.kill('SIGTERM');
    await gateway.waitForLine(/"msg":"shutting down"/);
    inFlight.release();
    const response = await inFlight.response;
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ data: { __typename: 'Query' } });
    // The keep-alive connection is not left open for the next request.
    expect(response.headers.connection).toBe('close');
    expect(await gateway.exited).toBe(0);
    // One access-log line for it: id, name, type, status, duration — and nothing of the request's content.
    const line = gateway.logEntries().find((entry) => entry.requestId === 'in-flight-1');
    expect(line).toMatchObject({ msg: 'operation', transport: 'http', operationName: 'Probe', operation: 'query', status: 200, errorCodes: [], userId: null });
    expect(typeof line?.durationMs).toBe('number');
  });

  it('a second, different signal while stopping exits at once with 1; the same signal repeated at once (npm forwarding Ctrl-C) does not', async () => {
    const gateway = start('gateway/main.js', { JWKS_URL: `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json` });
    const url = await listeningUrl(gateway, 'gateway listening');
    // Held open, so the shutdown cannot finish on its own.
    const inFlight = postInTwoParts(url, JSON.stringify({ query: '{ __typename }' }));
    inFlight.response.catch(() => undefined);
    await inFlight.accepted;
    gateway.child.kill('SIGINT');
    gateway.child.kill('SIGINT');
    await gateway.waitForLine(/"msg":"shutting down"/);
    expect(gateway.lines.some((line) => line.includes('second signal'))).toBe(false);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(1);
    // The repeated SIGINT was ignored: the one that forced the exit is the SIGTERM.
    const forced = gateway.logEntries().filter((entry) => entry.msg === 'second signal, exiting now');
    expect(forced).toEqual([expect.objectContaining({ signal: 'SIGTERM' })]);
  });

  it('the gateway answers 503 SERVICE_UNAVAILABLE over HTTP and closes a WebSocket with 1013 while the key set is unreachable', async () => {
    const gateway = start('gateway/main.js', { JWKS_URL: `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json` });
    const url = await listeningUrl(gateway, 'gateway listening');
    // Well-formed, so the verifier must fetch keys to judge it.
    const token = [{ alg: 'ES256', kid: 'k1' }, { sub: 'u1' }].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.c2ln';
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"query":"{ __typename }"}',
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');

    const socket = new WebSocket(url.replace('http', 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      socket.once('close', (closeCode, closeReason) => resolve([closeCode, closeReason.toString()])),
    );
    expect(code).toBe(1013);
    expect(reason).toMatch(/^SERVICE_UNAVAILABLE/);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('each subgraph finishes a request in flight on SIGTERM, reports /ready, and exits 0; a sign-up in flight commits and its event is relayed', async () => {
    const storageEnv = database ? { DATABASE_URL: database.url } : {};
    // On PGlite each process runs initdb (seconds of CPU each), so the embedded pass starts accounts alone; the PostgreSQL pass starts all five.
    const names = database ? ['accounts', 'products', 'inventory', 'orders', 'reviews'] : ['accounts'];
    const subgraphs = names.map((name) => ({ name, process: start(`subgraphs/${name}/main.js`, storageEnv) }));
    const email = `in-flight-${randomBytes(4).toString('hex')}@example.com`;
    await Promise.all(
      subgraphs.map(async ({ name, process }) => {
        const url = await listeningUrl(process, `${name} subgraph listening`);
        const ready = await fetch(url.replace(/\/graphql$/, '/ready'));
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: 'ready', subgraph: name, storage: 'up', migrations: 'applied', outboxRelay: 'running' });
        const body =
          name === 'accounts'
            ? JSON.stringify({
                query: 'mutation($input: SignUpInput!) { signUp(input: $input) { user { email } } }',
                variables: { input: { email, name: 'In Flight', password: 'in-flight-password' } },
              })
            : JSON.stringify({ query: '{ __typename }' });
        // Signed as the gateway signs, with the secret every process was given.
        const inFlight = postInTwoParts(
          url,
          body,
          signGatewayRequest({ method: 'POST', url, body, identity: undefined }, new Uint8Array(Buffer.from(secret, 'utf8'))),
        );
        await inFlight.accepted;
        process.child.kill('SIGTERM');
        await process.waitForLine(/"msg":"shutting down"/);
        inFlight.release();
        const response = await inFlight.response;
        expect({ status: response.status, body: response.body }).toMatchObject({ status: 200 });
        expect(JSON.parse(response.body).errors).toBeUndefined();
        expect(await process.exited).toBe(0);
      }),
    );

    // After every process is gone: the sign-up is stored and its event was published before the exit.
    const storage = await openStorage(database ? { databaseUrl: database.url } : { dataDir, pgliteFolder: 'pglite-accounts' });
    try {
      const users = await storage.database('check').query<{ id: string }>('select id from accounts.users where email = $1', [email]);
      expect(users).toHaveLength(1);
      const events = await storage
        .database('check')
        .query<{ published: boolean }>("select published_at is not null as published from accounts.outbox where aggregate_id = $1 and type = 'UserSignedUp'", [
          users[0]!.id,
        ]);
      expect(events).toEqual([{ published: true }]);
    } finally {
      await storage.close();
    }
  }, 180_000);
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
