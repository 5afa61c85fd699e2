import type { BaseContext } from '@apollo/server';
import { readCommonConfig, readPort, IDENTITY_SECRET_FILE, type Env } from './config';
import { openStorage } from './storage/openStorage';
import type { Database } from './storage/database';
import { systemClock, type Clock } from './clock';
import { createLogger, type Logger } from './logger';
import { loadOrCreateSecret } from './secrets';
import { runSubgraph, type SubgraphDefinition } from './subgraph';
import { onShutdownSignal } from './shutdown';
import { Outbox } from './events/outbox';
import { openEventBus } from './events/openEventBus';
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
  build: (deps: SubgraphDeps) => SubgraphDefinition<TContext> | Promise<SubgraphDefinition<TContext>>,
): Promise<void> {
  const config = readCommonConfig(env);
  const logger = createLogger(name, config.logLevel);
  // Without DATABASE_URL each subgraph process gets a PGlite folder of its own: PGlite is
  // single-process, so it cannot share the embedded stack's `pglite` folder or another subgraph's.
  const storage = await openStorage({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, pgliteFolder: `pglite-${name}` });
  const db = storage.database(name);
  const bus = await openEventBus({ natsUrl: config.natsUrl, prefix: config.natsPrefix, name });
  if (!config.natsUrl) logger.warn('NATS_URL is not set: events stay inside this process, so other subgraph processes never see them');
  const outbox = new Outbox(name, systemClock);
  const definition = await build({ db, outbox, bus, clock: systemClock, logger, dataDir: config.dataDir });
  const server = await runSubgraph(definition, {
    db,
    eventsDb: storage.database(`${name}:events`),
    outbox,
    bus,
    port: readPort(env, 'PORT', defaultPort),
    host: config.host,
    production: config.production,
    identitySecret: loadOrCreateSecret(config.identitySecret, config.dataDir, IDENTITY_SECRET_FILE),
    logger,
    seed: config.seed,
  });
  onShutdownSignal(logger, async () => {
    await server.close();
    await bus.close();
    await storage.close();
  });
}
