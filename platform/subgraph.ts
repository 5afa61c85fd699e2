import fs from 'node:fs';
import { parse, type DocumentNode } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { BaseContext } from '@apollo/server';
import type { Viewer } from './auth/identity';
import type { Database } from './storage/database';
import path from 'node:path';
import { migrate } from './storage/migrate';
import type { Outbox } from './events/outbox';
import type { Clock } from './clock';
import type { EventBus, EventSubscription } from './events/eventBus';
import { startOutboxRelay } from './events/outboxRelay';
import { startProjections, type Projection } from './events/projection';
import { startConsumer, type ConsumerDefinition } from './events/consumer';
import type { Logger } from './logger';
import { startSubgraphServer, type RouteHandler, type RunningServer } from './subgraphServer';
import { sendJson } from './http/graphqlHttp';
import type { SharedStore } from './sharedState/sharedStore';

/**
 * What every subgraph's resolvers receive, whatever the subgraph. A subgraph's
 * own context `extends` it with what only it needs (its loaders and so on).
 */
export interface SubgraphContext {
  /** The caller: an identity, or null for an anonymous caller. */
  viewer: Viewer;
  /** The request's id (the gateway's `x-request-id`): the correlation id of the events it causes. */
  requestId: string;
  /** The subgraph's handle on storage. */
  db: Database;
  /** The subgraph's event log; commands append to it in their transaction. */
  outbox: Outbox;
  /** The source of time for what the request writes. */
  clock: Clock;
  /**
   * The event bus the subgraph's relay publishes to: subscription resolvers
   * follow it with `watchEvents` (`platform/events/watchEvents.ts`). Never
   * publish to it from a resolver; commands append to the outbox.
   */
  bus: EventBus;
}

/**
 * The shared part of a subgraph's per-request context, for its
 * `createContext` to spread before adding its own fields.
 */
export function subgraphContext(deps: Pick<SubgraphContext, 'db' | 'outbox' | 'clock' | 'bus'>, viewer: Viewer, requestId: string): SubgraphContext {
  // Copy only these four: a `main.ts` hands over more (its logger, its data folder) that resolvers must not see.
  return { viewer, requestId, db: deps.db, outbox: deps.outbox, clock: deps.clock, bus: deps.bus };
}

/**
 * The files a subgraph keeps beside its code in `directory` (its `__dirname`):
 * `schema.graphql`, parsed, and the `migrations` folder. Reads the schema
 * synchronously, once, when the subgraph is defined.
 */
export function subgraphFiles(directory: string): { typeDefs: DocumentNode; migrationsDir: string } {
  return {
    typeDefs: parse(fs.readFileSync(path.join(directory, 'schema.graphql'), 'utf8')),
    migrationsDir: path.join(directory, 'migrations'),
  };
}

/** What a subgraph module hands to whoever runs it: the embedded stack or its own `main.ts`. */
export interface SubgraphDefinition<TContext extends BaseContext> {
  /** Also the name of its Postgres schema. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  /** Folder of numbered `.sql` migrations. */
  migrationsDir: string;
  /**
   * Builds the per-request context: the caller, the request id (the
   * correlation id of the events it causes) and fresh DataLoaders. A
   * subscription calls it to start and again for each event it delivers.
   */
  createContext(viewer: Viewer, requestId: string): TContext;
  /** Loads the deterministic demo data when the subgraph's tables are empty. */
  seed?(db: Database): Promise<void>;
  /** Non-GraphQL routes, such as the accounts JWKS. */
  routes?: RouteHandler[];
  /** Read models kept from this subgraph's own event log. */
  projections?: readonly Projection[];
  /** Reactions to other domains' events, fed by the bus. */
  consumers?: readonly ConsumerDefinition[];
}

/** Where the shared event tables' migrations live. */
const EVENT_MIGRATIONS = path.join(__dirname, 'events', 'migrations');

/** Creates or updates a subgraph's schema: the shared event tables, then its own migrations. Returns the versions applied. */
export async function migrateSubgraph(db: Database, definition: Pick<SubgraphDefinition<BaseContext>, 'name' | 'migrationsDir'>): Promise<string[]> {
  const shared = await migrate(db, definition.name, EVENT_MIGRATIONS, { versionPrefix: 'platform_' });
  return [...shared, ...(await migrate(db, definition.name, definition.migrationsDir))];
}

export interface RunSubgraphOptions {
  /** The subgraph's handle on storage (`ConnectionPool.database(name)`). */
  db: Database;
  /** The subgraph's event log; the same instance its commands append to. */
  outbox: Outbox;
  /**
   * The handle the relay, projections and consumers use: the same schema,
   * reported under its own scope (`<name>:events`), so background statements
   * never count as a request's. Default: `db`.
   */
  eventsDb?: Database;
  /** Where the relay publishes, consumers subscribe and subscriptions watch; the one the definition's `bus` dependency names. */
  bus: EventBus;
  port: number;
  host: string;
  production: boolean;
  /** `GATEWAY_IDENTITY_SECRET`: verifies the gateway's request signatures and identity tokens. */
  identitySecret: Uint8Array;
  /** `GATEWAY_IDENTITY_PREVIOUS_SECRET`: also accepted while the secret is rotated. Default none. */
  previousIdentitySecret?: Uint8Array | undefined;
  /** Where the nonces of the gateway's signatures are remembered (`openConfiguredSharedStore`: Redis when `REDIS_URL` is set); the caller closes it. */
  nonceStore: SharedStore;
  /** Reads the gateway signatures' ages. Default: the system clock. */
  clock?: Clock;
  logger: Logger;
  /** Seed an empty database with demo data. */
  seed: boolean;
  /** `SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS`: idle connections are closed after it. Default 5000. */
  keepAliveTimeoutMs?: number;
}

/** A served subgraph with its event machinery. */
export interface RunningSubgraph extends RunningServer {
  /** Publishes every unsent event now (tests use it to avoid waiting for a poll). */
  drainOutbox(): Promise<void>;
  /** Brings every projection up to the end of the log. */
  catchUpProjections(): Promise<void>;
}

/**
 * Migrates the subgraph's schema, seeds it when asked, starts its outbox
 * relay, projections and consumers, and serves it. `close` stops them all,
 * the server first, so no request writes events no relay will publish.
 */
export async function runSubgraph<TContext extends BaseContext>(
  definition: SubgraphDefinition<TContext>,
  options: RunSubgraphOptions,
): Promise<RunningSubgraph> {
  const { db, outbox, bus, logger } = options;
  const eventsDb = options.eventsDb ?? db;
  const applied = await migrateSubgraph(db, definition);
  if (applied.length) logger.info({ applied }, `${definition.name} migrations applied`);
  if (options.seed && definition.seed) {
    // Every seed records its rows' events, so the log's growth tells whether this start seeded.
    const countEvents = async () => Number((await db.query<{ n: string }>(`select count(*) as n from ${definition.name}.outbox`))[0]?.n ?? 0);
    const before = await countEvents();
    await definition.seed(db);
    const seeded = (await countEvents()) - before;
    if (seeded > 0) logger.info({ events: seeded }, `${definition.name} demo data seeded (SEED=false turns this off)`);
  }
  const relay = startOutboxRelay({ db: eventsDb, outbox, bus, logger });
  const projections = startProjections({ db: eventsDb, outbox, projections: definition.projections ?? [], logger });
  const consumers: EventSubscription[] = [];
  try {
    for (const consumer of definition.consumers ?? []) {
      consumers.push(await startConsumer({ bus, db: eventsDb, schema: definition.name, definition: consumer, logger }));
    }
    let closed = false;
    // GET /ready: storage answers, migrations are applied (they ran above), the relay and every consumer run.
    const ready: RouteHandler = async (req, res) => {
      if ((req.url ?? '/').split('?')[0] !== '/ready' || req.method !== 'GET') return false;
      const storage = await Promise.race([
        db.query('select 1').then(
          () => 'up' as const,
          () => 'down' as const,
        ),
        new Promise<'down'>((resolve) => setTimeout(() => resolve('down'), 2000).unref()),
      ]);
      const relayStatus = relay.status();
      const isReady = !closed && storage === 'up' && relayStatus.running;
      sendJson(res, isReady ? 200 : 503, {
        status: isReady ? 'ready' : 'not ready',
        subgraph: definition.name,
        storage,
        migrations: 'applied',
        outboxRelay: !relayStatus.running ? 'stopped' : relayStatus.failing ? 'waiting for the event bus' : 'running',
        consumers: closed ? 'stopped' : `${consumers.length} running`,
      });
      return true;
    };
    const server = await startSubgraphServer({
      name: definition.name,
      schema: buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers as GraphQLResolverMap<unknown> }),
      port: options.port,
      host: options.host,
      production: options.production,
      identitySecret: options.identitySecret,
      previousIdentitySecret: options.previousIdentitySecret,
      nonceStore: options.nonceStore,
      clock: options.clock,
      createContext: (viewer, requestId) => definition.createContext(viewer, requestId),
      logger,
      routes: [ready, ...(definition.routes ?? [])],
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    });
    let closing: Promise<void> | undefined;
    return {
      ...server,
      drainOutbox: () => relay.drain(),
      catchUpProjections: () => projections.catchUp(),
      close: () =>
        (closing ??= (async () => {
          closed = true;
          await server.close();
          await Promise.all(consumers.map((consumer) => consumer.stop()));
          await projections.stop();
          await relay.stop();
        })()),
    };
  } catch (error) {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await projections.stop();
    await relay.stop();
    throw error;
  }
}
