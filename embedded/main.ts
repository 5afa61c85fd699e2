import { readCommonConfig, readJwtConfig, readPort, readSubgraphKeepAliveTimeoutMs, IDENTITY_SECRET_FILE } from '../platform/config';
import { createLogger } from '../platform/logger';
import { loadOrCreateSecret } from '../platform/secrets';
import { onShutdownSignal } from '../platform/process/shutdown';
import { runMain } from '../platform/process/runMain';
import { readGatewaySettings } from '../gateway/gatewayConfig';
import { SUBGRAPHS } from '../subgraphs/registry';
import type { StackPorts } from './startStack';

// Composition root of `npm start`: the gateway and every registered subgraph in one
// process on the embedded defaults (PGlite in DATA_DIR), or on PostgreSQL when
// DATABASE_URL is set.
runMain('stack', async () => {
  const env = process.env;
  // Every setting is read and checked before anything is opened.
  const common = readCommonConfig(env);
  const jwt = readJwtConfig(env);
  // The gateway's settings check SUBGRAPH_POOL_IDLE_MS against this same keep-alive timeout.
  const gateway = readGatewaySettings(env, common);
  const subgraphKeepAliveTimeoutMs = readSubgraphKeepAliveTimeoutMs(env);
  const ports = { gateway: readPort(env, 'PORT', 4000) } as StackPorts;
  for (const { name, portVariable, defaultPort } of SUBGRAPHS) ports[name] = readPort(env, portVariable, defaultPort);
  const logger = createLogger('stack', common.logLevel);
  // Loaded only now, so a bad setting is reported before seconds go into loading Apollo and PGlite.
  const { openConfiguredEventBus, openConfiguredSharedStore, openConfiguredStorage } =
    require('../platform/process/openDependencies') as typeof import('../platform/process/openDependencies');
  const { startStack } = require('./startStack') as typeof import('./startStack');
  const storage = await openConfiguredStorage(common, logger);
  logger.info({ storage: storage.kind, dataDir: common.dataDir }, 'storage open');
  const bus = await openConfiguredEventBus(common, logger, 'commerce-stack');
  logger.info({ eventBus: common.natsUrl ? 'nats' : 'in-memory' }, 'event bus open');
  let sharedStore;
  let stack;
  try {
    sharedStore = await openConfiguredSharedStore(common, logger);
    logger.info({ sharedStore: sharedStore.kind }, 'shared store open');
    stack = await startStack({
      storage,
      bus,
      dataDir: common.dataDir,
      host: common.host,
      production: common.production,
      seed: common.seed,
      subgraphKeepAliveTimeoutMs,
      logLevel: common.logLevel,
      identitySecret: loadOrCreateSecret(common.identitySecret, common.dataDir, IDENTITY_SECRET_FILE),
      jwt,
      ports,
      gateway,
      sharedStore,
    });
  } catch (error) {
    // Release the data directory's lock and the broker and Redis connections before reporting.
    await sharedStore?.close().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    throw error;
  }
  const running = stack;
  const store = sharedStore;
  logger.info(`supergraph ready: ${running.gateway.url}${common.production ? '' : ' (Apollo Sandbox: open it in a browser)'}`);
  onShutdownSignal(logger, async () => {
    await running.close();
    await store.close();
    await bus.close();
    await storage.close();
  });
});
