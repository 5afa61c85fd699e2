import { readCommonConfig, readJwtConfig, readPort, IDENTITY_SECRET_FILE } from './platform/config';
import { createLogger } from './platform/logger';
import { loadOrCreateSecret } from './platform/secrets';
import { onShutdownSignal } from './platform/process/shutdown';
import { runMain } from './platform/process/runMain';
import { readGatewaySettings } from './gateway/gatewayConfig';

// Composition root of `npm start`: the gateway and all five subgraphs in one
// process on the embedded defaults (PGlite in DATA_DIR), or on PostgreSQL when
// DATABASE_URL is set.
runMain('stack', async () => {
  const env = process.env;
  // Every setting is read and checked before anything is opened.
  const common = readCommonConfig(env);
  const jwt = readJwtConfig(env);
  const gateway = readGatewaySettings(env, common);
  const ports = {
    gateway: readPort(env, 'PORT', 4000),
    accounts: readPort(env, 'ACCOUNTS_PORT', 4001),
    products: readPort(env, 'PRODUCTS_PORT', 4002),
    inventory: readPort(env, 'INVENTORY_PORT', 4003),
    orders: readPort(env, 'ORDERS_PORT', 4004),
    reviews: readPort(env, 'REVIEWS_PORT', 4005),
  };
  const logger = createLogger('stack', common.logLevel);
  // Loaded only now, so a bad setting is reported before seconds go into loading Apollo and PGlite.
  const { openConfiguredEventBus, openConfiguredStorage } = require('./platform/process/openDependencies') as typeof import('./platform/process/openDependencies');
  const { startStack } = require('./stack') as typeof import('./stack');
  const storage = await openConfiguredStorage(common, logger);
  logger.info({ storage: storage.kind, dataDir: common.dataDir }, 'storage open');
  const bus = await openConfiguredEventBus(common, logger, 'commerce-stack');
  logger.info({ eventBus: common.natsUrl ? 'nats' : 'in-memory' }, 'event bus open');
  let stack;
  try {
    stack = await startStack({
      storage,
      bus,
      dataDir: common.dataDir,
      host: common.host,
      production: common.production,
      seed: common.seed,
      logLevel: common.logLevel,
      identitySecret: loadOrCreateSecret(common.identitySecret, common.dataDir, IDENTITY_SECRET_FILE),
      jwt,
      ports,
      gateway,
    });
  } catch (error) {
    // Release the data directory's lock and the broker connection before reporting.
    await bus.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    throw error;
  }
  const running = stack;
  logger.info(`supergraph ready: ${running.gateway.url}${common.production ? '' : ' (Apollo Sandbox: open it in a browser)'}`);
  onShutdownSignal(logger, async () => {
    await running.close();
    await bus.close();
    await storage.close();
  });
});
