import { randomBytes } from 'node:crypto';
import type { BaseContext } from '@apollo/server';
import type { Viewer } from '../../platform/auth/identity';
import { IDENTITY_HEADER, signGatewayIdentity } from '../../platform/auth/gatewayIdentity';
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
  run<T = any>(query: string, variables?: Record<string, unknown>, viewer?: Viewer): Promise<GraphQLResponse<T>>;
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
 * (the `beside` subgraph's, when given). `build` receives the database and the
 * outbox, so a suite can keep what it builds around it (a clock, signing keys).
 */
export async function startSubgraphUnderTest<TContext extends BaseContext>(
  name: string,
  build: (db: Database, outbox: Outbox) => SubgraphDefinition<TContext> | Promise<SubgraphDefinition<TContext>>,
  options: SubgraphUnderTestOptions = {},
): Promise<SubgraphUnderTest> {
  // Only the first subgraph on a storage owns it, and disposes of it.
  const owned: TestStorage | undefined = options.beside ? undefined : await openTestStorage();
  const storage = options.beside?.storage ?? owned!.storage;
  const db = storage.database(name);
  const bus = options.beside?.bus ?? new InMemoryEventBus({ retryDelayMs: 20 });
  const outbox = new Outbox(name, options.clock ?? systemClock);
  const identitySecret = new Uint8Array(randomBytes(32));
  let server: RunningSubgraph;
  try {
    const definition = await build(db, outbox);
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
      logger: createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent'),
      seed: true,
    });
    // runSubgraph seeded once; seeding a seeded database must change nothing, so every suite runs on data seeded twice.
    await definition.seed?.(db);
  } catch (error) {
    if (!options.beside) await bus.close();
    await owned?.dispose();
    throw error;
  }

  return {
    db,
    storage,
    url: server.url,
    outbox,
    bus,
    subgraph: server,
    run: async (query, variables = {}, viewer = null) => {
      const headers: Record<string, string> = viewer ? { [IDENTITY_HEADER]: await signGatewayIdentity(viewer, identitySecret) } : {};
      return graphql(server.url, query, variables, { headers });
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
      await server.close();
      if (!options.beside) await bus.close();
      await owned?.dispose();
    },
  };
}
