import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GraphQLError } from 'graphql';
import { eventually } from '../../tests/support/eventually';
import { SubgraphTransport } from './subgraphTransport';
import { RetryBudget } from './retryBudget';

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

/** Sends `body` to a one-replica subgraph `test` (queries and `_entities` fetches are safe to repeat, the mutation is not). */
async function post(transport: SubgraphTransport, url: string, body: string, headers: Record<string, string> = {}) {
  const reply = await transport.client('test', [url]).request({ body, headers, safe: body !== MUTATION });
  return { status: reply.status, body: JSON.parse(reply.body.toString('utf8')) as unknown };
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

    it('when a query is retried, then each attempt is signed afresh (a signature nonce is never sent twice)', async () => {
      const transport = new SubgraphTransport();
      const subgraph = await started(racingSubgraph(), transport);
      let attempts = 0;
      const seen: string[] = [];
      subgraph.server.on('request', (req: IncomingMessage) => seen.push(String(req.headers['x-attempt'])));
      const client = transport.client('test', [subgraph.url], () => ({ 'x-attempt': String(++attempts) }));
      const send = () => client.request({ body: QUERY, headers: {}, safe: true });
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
    expect(error.message).toBe('The "test" service did not answer within 300 ms (SUBGRAPH_TIMEOUT_MS); the fields it serves are null.');
    expect(error.extensions.serviceName).toBe('test');
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
      'The "test" service is unavailable: its answer was larger than 1024 bytes (SUBGRAPH_MAX_RESPONSE_BYTES); the fields it serves are null.',
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
    expect(error.message).toBe('The "test" service is unavailable: it could not be reached; the fields it serves are null.');
    expect(Date.now() - started_).toBeLessThan(1000);
  });
});

describe('subgraph transport over replicas', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });
  const serve = async (handle: Parameters<typeof startServer>[0]) => {
    const server = await startServer(handle);
    cleanup.push(() => server.close());
    return server;
  };
  const transportOf = (settings: ConstructorParameters<typeof SubgraphTransport>[0] = {}) => {
    const transport = new SubgraphTransport(settings);
    cleanup.push(() => transport.close());
    return transport;
  };
  /** A port nothing listens on: connections to it are refused. */
  const refusingUrl = async () => {
    const gone = await startServer(() => undefined);
    await gone.close();
    return gone.url;
  };
  const ok = (res: ServerResponse) => answer(res, { ok: true });
  const send = (transport: SubgraphTransport, urls: string[], body = QUERY, headers: Record<string, string> = {}) =>
    transport.client('test', urls).request({ body, headers, safe: body !== MUTATION });

  it('given two healthy replicas, when 200 requests run 8 at a time, then both serve a fair share', async () => {
    const a = await serve((_req, res) => setTimeout(() => ok(res), 1));
    const b = await serve((_req, res) => setTimeout(() => ok(res), 1));
    // Identical concurrent queries would be shared: each is sent here.
    const transport = transportOf({ dedup: false });

    for (let batch = 0; batch < 25; batch += 1) await Promise.all(Array.from({ length: 8 }, () => send(transport, [a.url, b.url])));

    expect(a.received.length + b.received.length).toBe(200);
    expect(a.received.length).toBeGreaterThan(50);
    expect(b.received.length).toBeGreaterThan(50);
  });

  it('given a slow replica and a fast one, when requests run concurrently, then the fast one serves most (fewest requests in flight)', async () => {
    const slow = await serve((_req, res) => setTimeout(() => ok(res), 60));
    const fast = await serve((_req, res) => setTimeout(() => ok(res), 1));
    const transport = transportOf({ dedup: false });

    // A steady 6 in flight for a while: the slow replica's in-flight count keeps it from being picked.
    const worker = async () => {
      for (let i = 0; i < 20; i += 1) await send(transport, [slow.url, fast.url]);
    };
    await Promise.all(Array.from({ length: 6 }, worker));

    expect(fast.received.length).toBeGreaterThan(slow.received.length * 3);
  });

  it('given one replica refusing connections, when queries and a mutation are sent, then every one is answered by the other replica and the mutation reaches it once', async () => {
    const good = await serve((_req, res) => ok(res));
    const transport = transportOf();
    const urls = [await refusingUrl(), good.url];

    for (let i = 0; i < 10; i += 1) expect((await send(transport, urls)).status).toBe(200);
    // Refused means never sent: a mutation may go to the other replica, and does, once.
    expect((await send(transport, urls, MUTATION)).status).toBe(200);

    expect(good.received.filter((body) => body === MUTATION)).toHaveLength(1);
    expect(good.received.filter((body) => body === QUERY)).toHaveLength(10);
  });

  it('given one replica answering 503, when a query and a mutation are sent, then the query is retried on the other replica and the mutation is not sent twice', async () => {
    const failing = await serve((_req, res) => {
      res.writeHead(503);
      res.end('busy');
    });
    const good = await serve((_req, res) => ok(res));
    const transport = transportOf({ breakerFailures: 1000 });

    for (let i = 0; i < 10; i += 1) expect((await send(transport, [failing.url, good.url])).status).toBe(200);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => send(transport, [failing.url, good.url], MUTATION)));

    const mutationsSent = failing.received.filter((b) => b === MUTATION).length + good.received.filter((b) => b === MUTATION).length;
    expect(mutationsSent).toBe(10);
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failed.length).toBe(failing.received.filter((b) => b === MUTATION).length);
    for (const outcome of failed) expect(outcome.reason).toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'test' } });
  });

  it('given a replica that drops every connection, when it has failed 3 times in a row, then its breaker opens, it gets no request until a probe finds it healed, and then it serves again', async () => {
    let healed = false;
    const flaky = await serve((req, res) => (healed ? ok(res) : req.socket.destroy()));
    const good = await serve((_req, res) => ok(res));
    // Open long enough that the 40 sends below end before the first probe, even on a loaded machine (at 300 ms, CI once saw `probing`).
    const transport = transportOf({ breakerFailures: 3, breakerOpenMs: 1500 });
    const urls = [flaky.url, good.url];

    for (let i = 0; i < 40; i += 1) expect((await send(transport, urls)).status).toBe(200);
    // Each failure was retried on the good replica; after 3 the flaky one was taken out.
    expect(flaky.received).toHaveLength(3);
    const health = await transport.health();
    expect(health.test!.replicas.map((replica) => replica.state)).toEqual(['out', 'up']);

    healed = true;
    const probe = JSON.stringify({ query: '{ __typename }' });
    await eventually(() => flaky.received.includes(probe), 'the probe to reach the healed replica', 6000);
    await eventually(async () => (await transport.health()).test!.replicas[0]!.state === 'up', 'the replica to be back in rotation', 6000);
    const before = flaky.received.length;
    for (let i = 0; i < 40; i += 1) await send(transport, urls);

    expect(flaky.received.length - before).toBeGreaterThan(5);
  });

  it('given every replica out of rotation, when a query is sent, then it fails at once with SUBGRAPH_UNAVAILABLE naming the open breaker', async () => {
    const dropping = await serve((req) => req.socket.destroy());
    const transport = transportOf({ breakerFailures: 2, breakerOpenMs: 60_000, retries: 0 });
    for (let i = 0; i < 2; i += 1) await failureOf(send(transport, [dropping.url]));
    const received = dropping.received.length;
    const started = performance.now();

    const error = await failureOf(send(transport, [dropping.url]));

    expect(performance.now() - started).toBeLessThan(50);
    expect(error.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'test' });
    expect(error.message).toMatch(/circuit breaker open/);
    expect(dropping.received).toHaveLength(received);
  });

  it('given an operation deadline sooner than the subgraph timeout, when the subgraph hangs, then the request ends at the deadline with SUBGRAPH_TIMEOUT naming OPERATION_TIMEOUT_MS', async () => {
    const hanging = await serve(() => undefined);
    const transport = transportOf({ timeoutMs: 10_000 });
    const started = performance.now();

    const error = await failureOf(transport.client('test', [hanging.url]).request({ body: QUERY, headers: {}, safe: true, deadline: started + 200 }));

    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.extensions.code).toBe('SUBGRAPH_TIMEOUT');
    expect(error.message).toMatch(/OPERATION_TIMEOUT_MS/);
  });

  describe('deduplication', () => {
    it('given 10 identical concurrent queries of one caller, then the subgraph receives one and all get the answer; another identity or a mutation is sent on its own', async () => {
      const subgraph = await serve((_req, res) => setTimeout(() => ok(res), 20));
      const transport = transportOf();
      const alice = { 'x-gateway-identity': 'alice', 'x-request-id': 'r1' };

      const replies = await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => send(transport, [subgraph.url], QUERY, { ...alice, 'x-request-id': `r${i}` })),
        send(transport, [subgraph.url], QUERY, { 'x-gateway-identity': 'bob' }),
        send(transport, [subgraph.url], MUTATION, alice),
        send(transport, [subgraph.url], MUTATION, alice),
      ]);

      expect(replies.every((reply) => JSON.parse(reply.body.toString()).data.ok === true)).toBe(true);
      expect(subgraph.received.filter((body) => body === QUERY)).toHaveLength(2);
      expect(subgraph.received.filter((body) => body === MUTATION)).toHaveLength(2);
    });

    it('given deduplication turned off, then identical concurrent queries are each sent', async () => {
      const subgraph = await serve((_req, res) => setTimeout(() => ok(res), 20));
      const transport = transportOf({ dedup: false });

      await Promise.all(Array.from({ length: 5 }, () => send(transport, [subgraph.url])));

      expect(subgraph.received).toHaveLength(5);
    });
  });
});

describe('retry budget', () => {
  it('given 100 requests in the window at 20%, then 10 + 20 retries are allowed and the next is refused; the window forgets old requests', () => {
    let now = 0;
    const budget = new RetryBudget(20, 10, 10_000, () => now);
    for (let i = 0; i < 100; i += 1) budget.recordRequest();

    const allowed = Array.from({ length: 40 }, () => budget.tryRetry()).filter(Boolean).length;

    expect(allowed).toBe(30);
    now += 11_000;
    expect(budget.tryRetry()).toBe(true);
  });
});

describe('deduplication and a hanging replica', () => {
  it('given one of two replicas hanging, when identical queries keep coming, then only those sent within moments of the stuck one wait for it: later ones are answered by the healthy replica', async () => {
    const hanging = await startServer(() => undefined);
    const healthy = await startServer((_req, res) => answer(res, { ok: true }));
    const transport = new SubgraphTransport({ timeoutMs: 1500 });
    try {
      const client = transport.client('test', [hanging.url, healthy.url]);
      const send = () => client.request({ body: QUERY, headers: {}, safe: true });
      // Until one query is stuck on the hanging replica (each pick is random between two idle replicas).
      let stuck: Promise<unknown> | undefined;
      while (!stuck) {
        const attempt = send();
        const settled = await Promise.race([attempt.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 100))]);
        if (!settled) stuck = attempt.catch(() => undefined);
      }
      await eventually(() => hanging.received.length > 0, 'the hanging replica to hold a request');
      await new Promise((resolve) => setTimeout(resolve, 120));
      const started = performance.now();

      const reply = await send();

      expect(reply.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(500);
      await stuck;
    } finally {
      await transport.close();
      await hanging.close();
      await healthy.close();
    }
  });
});
