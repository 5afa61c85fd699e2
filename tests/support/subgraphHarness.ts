import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { BaseContext } from '@apollo/server';
import type { Viewer } from '../../platform/auth/identity';
import { IDENTITY_EXTENSION, REQUEST_ID_EXTENSION, signGatewayIdentity } from '../../platform/auth/gatewayIdentity';
import { gatewayRequestSigner } from '../../platform/auth/gatewaySignature';
import { signedWebSocket } from '../../platform/http/signedWebSocket';
import { openTestSharedStore } from './testSharedStore';
import { liveWatchCount } from '../../platform/events/watchEvents';
import { createLogger } from '../../platform/logger';
import type { ConnectionPool, Database } from '../../platform/storage/database';
import { runSubgraph, type SubgraphDefinition } from '../../platform/subgraph';
import type { RunningSubgraph } from '../../platform/subgraph';
import { systemClock, type Clock } from '../../platform/clock';
import { Outbox } from '../../platform/events/outbox';
import type { EventBus } from '../../platform/events/eventBus';
import { InMemoryEventBus } from '../../platform/events/inMemoryEventBus';
import { graphql, type GraphQLResponse } from './graphqlClient';
import { openTestStorage, type TestStorage } from './testStorage';
import { eventually } from './eventually';

/** One subscription to a subgraph under test over a real graphql-ws connection of its own. */
export interface SubscriptionUnderTest<T = any> {
  /** The results received so far (graphql-ws `next` payloads), in order. */
  readonly results: ReadonlyArray<FormattedExecutionResult<T>>;
  /** The errors of the graphql-ws `error` message that ended it (a refusal, or a failure later); undefined otherwise. */
  readonly errors: readonly GraphQLFormattedError[] | undefined;
  /** True once the server ended it (an `error` or `complete` message) or the socket went away. */
  readonly ended: boolean;
  /** Waits until `count` results in all have arrived (failing after `timeoutMs`, default 5 s, or when it ends first) and returns the first `count`. */
  take(count: number, timeoutMs?: number): Promise<Array<FormattedExecutionResult<T>>>;
  /** Sends `complete`, as a client that unsubscribes, waits until the server has stopped the subscription's watch, then closes the socket. */
  unsubscribe(): Promise<void>;
  /** Closes the socket without a `complete`, as a client that goes away, and waits until the server has stopped the watch. */
  disconnect(): Promise<void>;
}

export interface SubscribeOptions {
  /** The raw `extensions.identity` to send instead of one signed for the viewer (a forged token, say). */
  identity?: string;
  /** `extensions.requestId`; default none (the subgraph makes one up). */
  requestId?: string;
}

export interface RunOptions {
  /** More headers to send, such as the gateway's `x-request-id`. */
  headers?: Record<string, string>;
}

/** One subgraph served on a free port over seeded storage, and the means to call it as the gateway would. */
export interface SubgraphUnderTest {
  /** The subgraph's handle on storage, for arranging rows and reading them back. */
  db: Database;
  /** The pool under `db`, shared with every subgraph started beside this one. */
  storage: ConnectionPool;
  /** The subgraph's GraphQL endpoint. */
  url: string;
  /** The subgraph's event log. */
  outbox: Outbox;
  /** The bus its relay publishes to, shared with subgraphs started beside it. */
  bus: EventBus;
  /** The running subgraph: `drainOutbox()`, `catchUpProjections()`. */
  subgraph: RunningSubgraph;
  /**
   * Sends one operation over HTTP as the gateway would: with the viewer in a
   * signed identity header, or with none for an anonymous caller (the default).
   */
  run<T = any>(query: string, variables?: Record<string, unknown>, viewer?: Viewer, options?: RunOptions): Promise<GraphQLResponse<T>>;
  /**
   * Subscribes over graphql-ws as the gateway would: its own connection, the
   * viewer's signed identity in the subscribe message's `extensions`.
   * Resolves once the subscription is live on the server (its bus watch has
   * started; `liveWatchCount` rose) or has been refused (see `errors`).
   * Start subscriptions one at a time.
   */
  subscribe<T = any>(query: string, variables?: Record<string, unknown>, viewer?: Viewer, options?: SubscribeOptions): Promise<SubscriptionUnderTest<T>>;
  /** Runs `work` and returns its result with the SQL this subgraph sent meanwhile, one text per statement. */
  counting<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }>;
  /** Stops the server and, unless it was started beside another, disposes of the storage. Stop the latest started first. */
  stop(): Promise<void>;
}

export interface SubgraphUnderTestOptions {
  /**
   * A subgraph already under test whose storage this one shares, as in the
   * embedded stack. Default: storage of its own (a PGlite copy, or a fresh
   * PostgreSQL database dropped on `stop`).
   */
  beside?: SubgraphUnderTest;
  /** The clock its outbox stamps events with. Default: the system clock. */
  clock?: Clock;
}

/**
 * Starts the subgraph that `build` defines, over `database(name)` of test
 * storage: migrated, seeded twice, and served through `runSubgraph` exactly
 * as its `main.ts` serves it, with its relay publishing to an in-memory bus
 * (the `beside` subgraph's, when given). `build` receives the database, the
 * outbox and the bus, so a suite can keep what it builds around it (a clock,
 * signing keys).
 */
export async function startSubgraphUnderTest<TContext extends BaseContext>(
  name: string,
  build: (db: Database, outbox: Outbox, bus: EventBus) => SubgraphDefinition<TContext> | Promise<SubgraphDefinition<TContext>>,
  options: SubgraphUnderTestOptions = {},
): Promise<SubgraphUnderTest> {
  // Only the first subgraph on a storage owns it, and disposes of it.
  const owned: TestStorage | undefined = options.beside ? undefined : await openTestStorage();
  const storage = options.beside?.storage ?? owned!.storage;
  const db = storage.database(name);
  const bus = options.beside?.bus ?? new InMemoryEventBus({ retryDelayMs: 20 });
  const outbox = new Outbox(name, options.clock ?? systemClock);
  const identitySecret = new Uint8Array(randomBytes(32));
  const clock = options.clock ?? systemClock;
  // Requests are signed as the gateway signs them, with the one signing function.
  const sign = gatewayRequestSigner(identitySecret, clock);
  const nonces = await openTestSharedStore();
  let server: RunningSubgraph;
  try {
    const definition = await build(db, outbox, bus);
    if (definition.name !== name) throw new Error(`Expected the ${name} subgraph, got "${definition.name}".`);
    server = await runSubgraph(definition, {
      db,
      eventsDb: storage.database(`${name}:events`),
      outbox,
      bus,
      port: 0,
      host: '127.0.0.1',
      production: false,
      identitySecret,
      nonceStore: nonces.store,
      clock,
      logger: createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent'),
      seed: true,
    });
    // runSubgraph seeded once; seeding a seeded database must change nothing, so every suite runs on data seeded twice.
    await definition.seed?.(db);
  } catch (error) {
    if (!options.beside) await bus.close();
    await nonces.dispose();
    await owned?.dispose();
    throw error;
  }

  // Every subscription's client, closed on `stop` if the test left it open.
  const clients = new Set<Client>();

  return {
    db,
    storage,
    url: server.url,
    outbox,
    bus,
    subgraph: server,
    run: async (query, variables = {}, viewer = null, runOptions = {}) => {
      const identity = viewer ? await signGatewayIdentity(viewer, identitySecret) : undefined;
      // The body `graphql` sends, byte for byte.
      const body = JSON.stringify({ query, variables });
      return graphql(server.url, query, variables, { headers: { ...runOptions.headers, ...sign({ method: 'POST', url: server.url, body, identity }) } });
    },
    subscribe: async <T = any>(
      query: string,
      variables: Record<string, unknown> = {},
      viewer: Viewer = null,
      options: SubscribeOptions = {},
    ): Promise<SubscriptionUnderTest<T>> => {
      const identity = options.identity ?? (viewer ? await signGatewayIdentity(viewer, identitySecret) : undefined);
      const client = createClient({
        url: server.url.replace(/^http/, 'ws'),
        webSocketImpl: signedWebSocket(sign),
        // Connected at once and kept until disposed, so `unsubscribe` sends only `complete`.
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: () => undefined,
      });
      clients.add(client);
      const results: Array<FormattedExecutionResult<T>> = [];
      let errors: GraphQLFormattedError[] | undefined;
      let ended = false;
      let live = false;
      const watchesBefore = liveWatchCount();
      const complete = client.subscribe(
        {
          query,
          variables,
          extensions: { ...(identity ? { [IDENTITY_EXTENSION]: identity } : {}), ...(options.requestId ? { [REQUEST_ID_EXTENSION]: options.requestId } : {}) },
        },
        {
          next: (result) => void results.push(result as FormattedExecutionResult<T>),
          error: (error) => {
            errors = Array.isArray(error)
              ? error
              : [
                  {
                    message: `The connection failed: ${String((error as { reason?: unknown; message?: unknown }).reason ?? (error as { message?: unknown }).message ?? error)}`,
                  },
                ];
            ended = true;
          },
          complete: () => {
            ended = true;
          },
        },
      );
      await eventually(() => ended || liveWatchCount() > watchesBefore, 'the subscription to be live or refused', 5_000);
      live = !ended;
      /** Waits until the watch this subscription started has stopped (the count fell below what it was now). */
      const watchStopped = async () => {
        const watchesNow = liveWatchCount();
        return () => (live ? eventually(() => liveWatchCount() < watchesNow, 'the server to stop the subscription’s watch', 5_000) : Promise.resolve());
      };
      return {
        get results() {
          return results;
        },
        get errors() {
          return errors;
        },
        get ended() {
          return ended;
        },
        take: async (count, timeoutMs = 5_000) => {
          await eventually(() => results.length >= count || ended, `${count} results (${results.length} so far)`, timeoutMs);
          if (results.length < count) throw new Error(`The subscription ended after ${results.length} of ${count} results: ${JSON.stringify(errors)}`);
          return results.slice(0, count);
        },
        unsubscribe: async () => {
          const stopped = await watchStopped();
          complete();
          await stopped();
          live = false;
          clients.delete(client);
          await client.dispose();
        },
        disconnect: async () => {
          const stopped = await watchStopped();
          clients.delete(client);
          await client.dispose();
          ended = true;
          await stopped();
          live = false;
        },
      };
    },
    counting: async (work) => {
      const statements: string[] = [];
      const unsubscribe = storage.onStatement(({ scope, text }) => {
        if (scope === name) statements.push(text);
      });
      try {
        return { result: await work(), statements };
      } finally {
        unsubscribe();
      }
    },
    stop: async () => {
      await Promise.all([...clients].map(async (client) => client.dispose()));
      await server.close();
      if (!options.beside) await bus.close();
      await nonces.dispose();
      await owned?.dispose();
    },
  };
}
