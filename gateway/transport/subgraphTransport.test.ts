import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GraphQLError } from 'graphql';
import { eventually } from '../../tests/support/eventually';
import { isSafeToRepeat, SubgraphTransport } from './subgraphTransport';

/** A real node:http subgraph stand-in: counts connections and requests, answers with `handle`. */
interface TestServer {
  url: string;
  server: http.Server;
  connections: Socket[];
  /** Bodies received, in order, whatever became of them. */
  received: string[];
  close(): Promise<void>;
}

async function startServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void, keepAliveTimeoutMs = 60_000): Promise<TestServer> {
  const connections: Socket[] = [];
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push(body);
      handle(req, res, body);
    });
  });
  server.keepAliveTimeout = keepAliveTimeoutMs;
  server.on('connection', (socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    server,
    connections,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const answer = (res: ServerResponse, data: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data }));
};

const QUERY = JSON.stringify({ query: 'query Products__products__0{products{id}}', variables: {} });
const ENTITIES = JSON.stringify({ query: 'query($representations:[_Any!]!){_entities(representations:$representations){__typename}}', variables: {} });
const MUTATION = JSON.stringify({ query: 'mutation Orders__orders__0{placeOrder{id}}', variables: {} });

async function post(transport: SubgraphTransport, url: string, body: string) {
  const response = await transport.fetcher({ subgraph: 'test' })(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function failureOf(promise: Promise<unknown>): Promise<GraphQLError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('subgraph transport', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });
  const started = async (server: Promise<TestServer>, transport: SubgraphTransport) => {
    const running = await server;
    cleanup.push(
      () => running.close(),
      () => transport.close(),
    );
    return running;
  };

  it('given a kept-alive subgraph, when several requests follow one another, then one connection serves them all', async () => {
    const transport = new SubgraphTransport();
    const subgraph = await started(
      startServer((_req, res) => answer(res, { ok: true })),
      transport,
    );

    for (let i = 0; i < 5; i += 1) {
      expect(await post(transport, subgraph.url, QUERY)).toEqual({ status: 200, body: { data: { ok: true } } });
      // As between two operations: undici marks a socket free again one turn of the event loop after its answer.
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(subgraph.received).toHaveLength(5);
    expect(subgraph.connections).toHaveLength(1);
  });

  it('given a limit of 3 connections per subgraph, when 20 requests are sent at once, then they share at most 3 connections and all succeed', async () => {
    const transport = new SubgraphTransport({ maxConnections: 3 });
    const subgraph = await started(
      startServer((_req, res) => setTimeout(() => answer(res, { ok: true }), 5)),
      transport,
    );

    const answers = await Promise.all(Array.from({ length: 20 }, () => post(transport, subgraph.url, QUERY)));

    expect(answers.every((each) => each.status === 200)).toBe(true);
    expect(subgraph.connections.length).toBeLessThanOrEqual(3);
  });

  it('given a pool idle time below the subgraph keep-alive timeout, when the pool has been idle that long, then the gateway closes the socket first and the next fetch opens a fresh one', async () => {
    const transport = new SubgraphTransport({ poolIdleMs: 150 });
    const subgraph = await started(
      startServer((_req, res) => answer(res, { ok: true }), 60_000),
      transport,
    );
    await post(transport, subgraph.url, QUERY);
    let closedByGateway = false;
    // 'end' is the peer's FIN: the gateway closed the idle socket, long before the subgraph's 60 s.
    subgraph.connections[0]!.once('end', () => (closedByGateway = true));

    await eventually(() => closedByGateway, 'the gateway to close its idle socket', 3000);
    expect(await post(transport, subgraph.url, QUERY)).toEqual({ status: 200, body: { data: { ok: true } } });

    expect(subgraph.connections).toHaveLength(2);
  });

  it('given a subgraph with a short keep-alive timeout (200 ms) it does not announce, when it closes the idle socket in a quiet spell, then the next query succeeds', async () => {
    const transport = new SubgraphTransport({ poolIdleMs: 4000 });
    const subgraph = await started(
      startServer((_req, res) => {
        // Setting Connection itself keeps node:http from sending `Keep-Alive: timeout=…`, as some proxies strip it.
        res.setHeader('connection', 'keep-alive');
        answer(res, { ok: true });
      }, 200),
      transport,
    );
    await post(transport, subgraph.url, QUERY);
    let closed = false;
    subgraph.connections[0]!.once('close', () => (closed = true));

    await eventually(() => closed, 'the subgraph to close its idle socket', 3000);
    expect(await post(transport, subgraph.url, QUERY)).toEqual({ status: 200, body: { data: { ok: true } } });

    expect(subgraph.connections).toHaveLength(2);
  });

  describe('given a subgraph that closes a kept-alive socket just as the next request arrives (the keep-alive race)', () => {
    /** Answers the first request of each connection; on a reused connection it drops the socket once, without a byte of answer. */
    const racingSubgraph = () => {
      let dropped = false;
      return startServer((req, res) => {
        const socket = req.socket as Socket & { served?: number };
        socket.served = (socket.served ?? 0) + 1;
        if (socket.served > 1 && !dropped) {
          dropped = true;
          socket.destroy();
          return;
        }
        answer(res, { ok: true });
      });
    };

    it('when a query is sent on the dead socket, then it is retried once on a new connection and succeeds', async () => {
      const transport = new SubgraphTransport();
      const subgraph = await started(racingSubgraph(), transport);
      await post(transport, subgraph.url, QUERY);
      await new Promise((resolve) => setImmediate(resolve));

      expect(await post(transport, subgraph.url, QUERY)).toEqual({ status: 200, body: { data: { ok: true } } });

      expect(subgraph.received).toEqual([QUERY, QUERY, QUERY]);
      expect(subgraph.connections).toHaveLength(2);
    });

    it('when an _entities fetch is sent on the dead socket, then it is retried once and succeeds', async () => {
      const transport = new SubgraphTransport();
      const subgraph = await started(racingSubgraph(), transport);
      await post(transport, subgraph.url, QUERY);
      await new Promise((resolve) => setImmediate(resolve));

      expect(await post(transport, subgraph.url, ENTITIES)).toEqual({ status: 200, body: { data: { ok: true } } });

      expect(subgraph.received).toEqual([QUERY, ENTITIES, ENTITIES]);
    });

    it('when a query is retried, then each attempt is prepared afresh (a signature nonce is never sent twice)', async () => {
      const transport = new SubgraphTransport();
      const subgraph = await started(racingSubgraph(), transport);
      let attempts = 0;
      const seen: string[] = [];
      subgraph.server.on('request', (req: IncomingMessage) => seen.push(String(req.headers['x-attempt'])));
      const fetcher = transport.fetcher({
        subgraph: 'test',
        prepare: (_url, init) => ({ ...init, headers: { ...init.headers, 'x-attempt': String(++attempts) } }),
      });
      const send = () => fetcher(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUERY });
      await send();
      await new Promise((resolve) => setImmediate(resolve));

      expect((await send()).status).toBe(200);

      expect(seen).toEqual(['1', '2', '3']);
    });

    it('when a mutation is sent on the dead socket, then it is not retried and fails with SUBGRAPH_UNAVAILABLE', async () => {
      const transport = new SubgraphTransport();
      const subgraph = await started(racingSubgraph(), transport);
      await post(transport, subgraph.url, QUERY);
      await new Promise((resolve) => setImmediate(resolve));

      const error = await failureOf(post(transport, subgraph.url, MUTATION));

      expect(error.extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
      expect(error.message).not.toMatch(/127\.0\.0\.1|ECONNRESET|socket|closed/);
      expect(subgraph.received).toEqual([QUERY, MUTATION]);
    });
  });

  it('given a subgraph that never answers, when a query is sent, then it fails with SUBGRAPH_TIMEOUT within the timeout', async () => {
    const transport = new SubgraphTransport({ timeoutMs: 300 });
    const subgraph = await started(
      startServer(() => undefined),
      transport,
    );
    const started_ = Date.now();

    const error = await failureOf(post(transport, subgraph.url, QUERY));

    const elapsed = Date.now() - started_;
    expect(error.extensions.code).toBe('SUBGRAPH_TIMEOUT');
    expect(error.message).toBe('A service this operation needs did not answer within 300 ms (SUBGRAPH_TIMEOUT_MS); the fields it serves are null.');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1000);
    // A timed-out query is not sent again: the deadline covers the request and any retry.
    expect(subgraph.received).toHaveLength(1);
  });

  it('given a subgraph that answers headers and then stalls, when a query is sent, then it fails with SUBGRAPH_TIMEOUT within the timeout', async () => {
    const transport = new SubgraphTransport({ timeoutMs: 300 });
    const subgraph = await started(
      startServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":');
      }),
      transport,
    );

    const error = await failureOf(post(transport, subgraph.url, QUERY));

    expect(error.extensions.code).toBe('SUBGRAPH_TIMEOUT');
  });

  it('given a response larger than the maximum with its length declared, when it arrives, then it is refused with SUBGRAPH_UNAVAILABLE', async () => {
    const transport = new SubgraphTransport({ maxResponseBytes: 1024 });
    const subgraph = await started(
      startServer((_req, res) => answer(res, { big: 'x'.repeat(2000) })),
      transport,
    );

    const error = await failureOf(post(transport, subgraph.url, QUERY));

    expect(error.extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(error.message).toBe(
      'A service this operation needs is unavailable: its answer was larger than 1024 bytes (SUBGRAPH_MAX_RESPONSE_BYTES); the fields it serves are null.',
    );
  });

  it('given a chunked response that grows past the maximum, when it arrives, then it is refused once the bound is crossed', async () => {
    const transport = new SubgraphTransport({ maxResponseBytes: 1024 });
    const subgraph = await started(
      startServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"data":{"big":"${'x'.repeat(800)}`);
        res.write('x'.repeat(800));
        // The end never comes: the transport stops reading at the bound, not at the end.
      }),
      transport,
    );

    const error = await failureOf(post(transport, subgraph.url, QUERY));

    expect(error.extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(error.message).toMatch(/larger than 1024 bytes/);
  });

  it('given a subgraph that refuses connections, when a query is sent, then it fails at once with SUBGRAPH_UNAVAILABLE', async () => {
    const transport = new SubgraphTransport();
    cleanup.push(() => transport.close());
    const gone = await startServer(() => undefined);
    await gone.close();
    const started_ = Date.now();

    const error = await failureOf(post(transport, gone.url, QUERY));

    expect(error.extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(error.message).toBe('A service this operation needs is unavailable: it could not be reached; the fields it serves are null.');
    expect(Date.now() - started_).toBeLessThan(1000);
  });
});

describe('isSafeToRepeat', () => {
  it('given what the planner sends, then queries and _entities fetches may be repeated, mutations and bodies without a query may not', () => {
    expect(isSafeToRepeat({ method: 'POST', body: QUERY })).toBe(true);
    expect(isSafeToRepeat({ method: 'POST', body: ENTITIES })).toBe(true);
    expect(isSafeToRepeat({ method: 'POST', body: JSON.stringify({ query: '{ products { id } }' }) })).toBe(true);
    expect(isSafeToRepeat({ method: 'POST', body: MUTATION })).toBe(false);
    expect(isSafeToRepeat({ method: 'POST', body: JSON.stringify({ query: 'queryish' }) })).toBe(false);
    expect(isSafeToRepeat({ method: 'POST', body: JSON.stringify({ variables: {}, query: 'query { a }' }) })).toBe(false);
    expect(isSafeToRepeat({ method: 'GET' })).toBe(true);
  });
});
