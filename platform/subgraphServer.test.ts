import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { parse, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import type { Viewer } from './auth/identity';
import { IDENTITY_EXTENSION, REQUEST_ID_EXTENSION, signGatewayIdentity } from './auth/gatewayIdentity';
import { InMemoryEventBus } from './events/inMemoryEventBus';
import { liveWatchCount, watchEvents } from './events/watchEvents';
import { createLogger } from './logger';
import { startSubgraphServer, type RunningServer } from './subgraphServer';
import { gatewayRequestSigner, type RequestSigner } from './auth/gatewaySignature';
import { signedWebSocket } from './http/signedWebSocket';
import { MemorySharedStore } from './sharedState/memorySharedStore';
import { START_CURSOR_EXTENSION, readStartAcknowledgement } from './http/subscriptionStart';
import { encodeEventCursor } from './events/eventCursor';

interface Context {
  viewer: Viewer;
  requestId: string;
  /** Which `createContext` call made this context. */
  serial: number;
}

const typeDefs = parse(`
  type Query { ok: Boolean }
  type Tick { n: Int! requestId: String! viewer: String contextSerial: Int! }
  type Subscription { ticks(fail: Boolean): Tick! }
`);

/** A subgraph server with one subscription, `ticks`, fed by the `clock` stream of an in-memory bus. */
/** Signs like the gateway, with the secret of the server `startTicking` started last. */
let sign: RequestSigner;

async function startTicking(production = false): Promise<{ server: RunningServer; bus: InMemoryEventBus; secret: Uint8Array; contexts: () => number }> {
  const bus = new InMemoryEventBus();
  const secret = new Uint8Array(randomBytes(32));
  sign = gatewayRequestSigner(secret);
  let serial = 0;
  const resolvers: GraphQLResolverMap<Context> = {
    Query: { ok: () => true },
    Subscription: {
      ticks: {
        subscribe: (_: unknown, args: { fail?: boolean }) => {
          if (args.fail) throw new Error('database password is hunter2');
          return watchEvents(bus, { domain: 'clock' }, (event) => (event.data as { n: number }).n);
        },
        resolve: (n: number) => n,
      },
    },
    Tick: {
      n: (n: number) => n,
      requestId: (_: number, __: unknown, ctx: Context) => ctx.requestId,
      viewer: (_: number, __: unknown, ctx: Context) => ctx.viewer?.userId ?? null,
      contextSerial: (_: number, __: unknown, ctx: Context) => ctx.serial,
    },
  };
  const server = await startSubgraphServer<Context>({
    name: 'ticking',
    schema: buildSubgraphSchema({ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }),
    port: 0,
    host: '127.0.0.1',
    production,
    identitySecret: secret,
    nonceStore: new MemorySharedStore(),
    createContext: (viewer, requestId) => ({ viewer, requestId, serial: ++serial }),
    logger: createLogger('ticking', 'silent'),
  });
  return { server, bus, secret, contexts: () => serial };
}

function tick(n: number) {
  return {
    eventId: randomUUID(),
    domain: 'clock',
    type: 'Tick',
    aggregateId: 'clock',
    aggregateVersion: n,
    occurredAt: new Date().toISOString(),
    correlationId: 't',
    causationId: null,
    data: { n },
  };
}

/** Subscribes with a client of its own; collects results, the refusal, and how the socket closed. */
function subscribe(server: RunningServer, query: string, extensions: Record<string, unknown> = {}) {
  const state: { results: FormattedExecutionResult[]; errors?: readonly GraphQLFormattedError[]; closeCode?: number; ended: boolean } = {
    results: [],
    ended: false,
  };
  const client: Client = createClient({
    url: server.url.replace(/^http/, 'ws'),
    webSocketImpl: signedWebSocket(sign),
    retryAttempts: 0,
    on: { closed: (event) => void (state.closeCode = (event as { code: number }).code) },
  });
  client.subscribe(
    { query, extensions },
    {
      next: (result) => void state.results.push(result as FormattedExecutionResult),
      error: (error) => {
        if (Array.isArray(error)) state.errors = error;
        state.ended = true;
      },
      complete: () => void (state.ended = true),
    },
  );
  return { state, client };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('subgraph server over graphql-ws', () => {
  it('runs each event with a fresh context for the caller the identity names, with the request id it sent', async () => {
    const { server, bus, secret, contexts } = await startTicking();
    try {
      const viewer = { userId: randomUUID(), role: 'CUSTOMER' as const };
      const before = liveWatchCount();
      const { state, client } = subscribe(server, 'subscription { ticks { n requestId viewer contextSerial } }', {
        [IDENTITY_EXTENSION]: await signGatewayIdentity(viewer, secret),
        [REQUEST_ID_EXTENSION]: 'gateway-request-1',
      });
      await until(() => liveWatchCount() > before, 'the watch');
      await bus.publish(tick(1));
      await bus.publish(tick(2));
      await until(() => state.results.length === 2, 'two results');
      expect(state.results).toEqual([
        { data: { ticks: { n: 1, requestId: 'gateway-request-1', viewer: viewer.userId, contextSerial: 2 } } },
        { data: { ticks: { n: 2, requestId: 'gateway-request-1', viewer: viewer.userId, contextSerial: 3 } } },
      ]);
      expect(contexts()).toBe(3);
      await client.dispose();
    } finally {
      await server.close();
      await bus.close();
    }
  });

  it('given a subscribe message asking for the start cursor, then the first message acknowledges the subscription with the position it started after', async () => {
    const { server, bus } = await startTicking();
    try {
      await bus.publish(tick(1));
      await bus.publish(tick(2));
      const asking = subscribe(server, 'subscription { ticks { n } }', { [START_CURSOR_EXTENSION]: true });
      await until(() => asking.state.results.length === 1, 'the acknowledgement');
      // Once it is acknowledged, the watch is live: nothing published from now on is missed.
      await bus.publish(tick(3));
      await until(() => asking.state.results.length === 2, 'a result');
      expect(asking.state.results).toEqual([{ extensions: { startCursor: encodeEventCursor('clock', 2) } }, { data: { ticks: { n: 3 } } }]);
      expect(readStartAcknowledgement(asking.state.results[0]!)).toEqual({ cursor: encodeEventCursor('clock', 2) });
      expect(readStartAcknowledgement(asking.state.results[1]!)).toBeUndefined();

      // Without the extension, nothing but results.
      const before = liveWatchCount();
      const plain = subscribe(server, 'subscription { ticks { n } }');
      await until(() => liveWatchCount() > before, 'the watch');
      await bus.publish(tick(4));
      await until(() => plain.state.results.length === 1, 'a result');
      expect(plain.state.results).toEqual([{ data: { ticks: { n: 4 } } }]);
      await Promise.all([asking.client.dispose(), plain.client.dispose()]);
    } finally {
      await server.close();
      await bus.close();
    }
  });

  it('gives an anonymous subscriber with an unprintable request id a new one', async () => {
    const { server, bus } = await startTicking();
    try {
      const before = liveWatchCount();
      const { state, client } = subscribe(server, 'subscription { ticks { viewer requestId } }', { [REQUEST_ID_EXTENSION]: 'not\nprintable' });
      await until(() => liveWatchCount() > before, 'the watch');
      await bus.publish(tick(1));
      await until(() => state.results.length === 1, 'a result');
      expect(state.results[0]!.data!.ticks).toEqual({ viewer: null, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      await client.dispose();
    } finally {
      await server.close();
      await bus.close();
    }
  });

  it('given production, then an unexpected failure of the subscribe resolver reaches the client as a generic refusal', async () => {
    const { server, bus } = await startTicking(true);
    try {
      const { state, client } = subscribe(server, 'subscription { ticks(fail: true) { n } }');
      await until(() => state.ended, 'the refusal');
      expect(state.errors).toEqual([
        { message: 'Internal server error', locations: [{ line: 1, column: 16 }], path: ['ticks'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ]);
      await client.dispose();
    } finally {
      await server.close();
      await bus.close();
    }
  });

  it('refuses invalid documents with GRAPHQL_VALIDATION_FAILED, and says so in production too', async () => {
    const { server, bus } = await startTicking(true);
    try {
      const { state, client } = subscribe(server, 'subscription { ticks { nope } }');
      await until(() => state.ended, 'the refusal');
      expect(state.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('nope'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
      await client.dispose();
    } finally {
      await server.close();
      await bus.close();
    }
  });

  it('closes a socket whose message exceeds 64 KiB with 1009', async () => {
    const { server, bus } = await startTicking();
    try {
      const { state, client } = subscribe(server, `subscription { ticks { n } } # ${'x'.repeat(70 * 1024)}`);
      await until(() => state.closeCode !== undefined, 'the socket to close');
      expect(state.closeCode).toBe(1009);
      await client.dispose();
    } finally {
      await server.close();
      await bus.close();
    }
  });

  it('on close, closes every socket with 1001 and stops its watches before it resolves, even when a peer never answers', async () => {
    const { server, bus } = await startTicking();
    const before = liveWatchCount();
    const { state } = subscribe(server, 'subscription { ticks { n } }');
    await until(() => liveWatchCount() > before, 'the watch');
    // A raw socket that opens and then ignores everything, including the close handshake.
    const silent = new (signedWebSocket(sign))(server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => silent.once('open', resolve));
    silent.pause();
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(liveWatchCount()).toBe(before);
    await until(() => state.closeCode !== undefined, 'the client to see the close');
    expect(state.closeCode).toBe(1001);
    silent.terminate();
    await bus.close();
  });
});

describe('subgraph server keep-alive', () => {
  it('given the default SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS, then idle connections are kept 5 s and the server says so, above the gateway pool’s 4 s', async () => {
    const { server } = await startTicking();
    try {
      const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
        const agent = new http.Agent({ keepAlive: true });
        http
          .get(server.url.replace(/\/graphql$/, '/health'), { agent }, (res) => {
            res.resume();
            res.on('end', () => {
              agent.destroy();
              resolve(res.headers);
            });
          })
          .on('error', reject);
      });
      expect(headers['keep-alive']).toBe('timeout=5');
    } finally {
      await server.close();
    }
  });
});
