import type { BaseContext } from '@apollo/server';
import { readCommonConfig, readPort, readSubgraphKeepAliveTimeoutMs, IDENTITY_SECRET_FILE, type Env } from './config';
import type { Database } from './storage/database';
import { systemClock, type Clock } from './clock';
import { createLogger, type Logger } from './logger';
import { loadOrCreateSecret } from './secrets';
import type { SubgraphDefinition } from './subgraph';
import { onShutdownSignal } from './process/shutdown';
import type { Outbox } from './events/outbox';
import type { EventBus } from './events/eventBus';

/** What a subgraph's `main.ts` builds its definition from. */
export interface SubgraphDeps {
  db: Database;
  /** The subgraph's event log; commands append to it. */
  outbox: Outbox;
  /** The bus its relay publishes to and its subscriptions watch. */
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  dataDir: string;
}

/**
 * Runs one subgraph as its own process: reads the common settings and `PORT`
 * (default `defaultPort`), opens storage, serves, and shuts down cleanly on
 * SIGTERM or SIGINT.
 */
export async function runSubgraphProcess<TContext extends BaseContext>(
  env: Env,
  name: string,
  defaultPort: number,
  /** Builds the definition; a subgraph's `main.ts` imports its module here, after the settings are checked. */
  build: (deps: SubgraphDeps) => SubgraphDefinition<TContext> | Promise<SubgraphDefinition<TContext>>,
): Promise<void> {
  // Every setting is read and checked before anything is opened.
  const config = readCommonConfig(env);
  const port = readPort(env, 'PORT', defaultPort);
  const keepAliveTimeoutMs = readSubgraphKeepAliveTimeoutMs(env);
  const logger = createLogger(name, config.logLevel);
  // Loaded only now, so a bad setting is reported before seconds go into loading Apollo and PGlite.
  const { openConfiguredEventBus, openConfiguredSharedStore, openConfiguredStorage } =
    require('./process/openDependencies') as typeof import('./process/openDependencies');
  const { runSubgraph } = require('./subgraph') as typeof import('./subgraph');
  const { Outbox } = require('./events/outbox') as typeof import('./events/outbox');
  // Without DATABASE_URL each subgraph process gets a PGlite folder of its own: PGlite is
  // single-process, so it cannot share the embedded stack's `pglite` folder or another subgraph's.
  const storage = await openConfiguredStorage(config, logger, `pglite-${name}`);
  const db = storage.database(name);
  const bus = await openConfiguredEventBus(config, logger, name).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });
  const nonceStore = await openConfiguredSharedStore(config, logger).catch(async (error: unknown) => {
    await bus.close();
    await storage.close();
    throw error;
  });
  if (!config.redisUrl)
    logger.warn('REDIS_URL is not set: signature nonces are remembered in this process only, so another replica would accept a replayed request');
  if (!config.natsUrl) logger.warn('NATS_URL is not set: events stay inside this process, so other subgraph processes never see them');
  const outbox = new Outbox(name, systemClock);
  const definition = await build({ db, outbox, bus, clock: systemClock, logger, dataDir: config.dataDir });
  const server = await runSubgraph(definition, {
    db,
    eventsDb: storage.database(`${name}:events`),
    outbox,
    bus,
    port,
    host: config.host,
    production: config.production,
    identitySecret: loadOrCreateSecret(config.identitySecret, config.dataDir, IDENTITY_SECRET_FILE),
    previousIdentitySecret: config.previousIdentitySecret ? new Uint8Array(Buffer.from(config.previousIdentitySecret, 'utf8')) : undefined,
    nonceStore,
    logger,
    seed: config.seed,
    keepAliveTimeoutMs,
  });
  onShutdownSignal(logger, async () => {
    await server.close();
    await nonceStore.close();
    await bus.close();
    await storage.close();
  });
}
