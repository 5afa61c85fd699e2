import { readCommonConfig, readPort, readPositiveInt, IDENTITY_SECRET_FILE } from './platform/config';
import { openStorage } from './platform/storage/openStorage';
import { createLogger } from './platform/logger';
import { loadOrCreateSecret } from './platform/secrets';
import { onShutdownSignal } from './platform/shutdown';
import { openEventBus } from './platform/events/openEventBus';
import { startStack } from './stack';

// Composition root of `npm start`: the gateway and all five subgraphs in one
// process on the embedded defaults (PGlite in DATA_DIR), or on PostgreSQL when
// DATABASE_URL is set.
async function main(): Promise<void> {
  const env = process.env;
  const common = readCommonConfig(env);
  const logger = createLogger('stack', common.logLevel);
  const storage = await openStorage({ databaseUrl: common.databaseUrl, dataDir: common.dataDir });
  logger.info({ storage: storage.kind, dataDir: common.dataDir }, 'storage open');
  const bus = await openEventBus({ natsUrl: common.natsUrl, prefix: common.natsPrefix, name: 'commerce-stack' });
  logger.info({ eventBus: common.natsUrl ? 'nats' : 'in-memory' }, 'event bus open');
  const stack = await startStack({
    storage,
    bus,
    dataDir: common.dataDir,
    host: common.host,
    production: common.production,
    seed: common.seed,
    logLevel: common.logLevel,
    identitySecret: loadOrCreateSecret(common.identitySecret, common.dataDir, IDENTITY_SECRET_FILE),
    jwt: {
      issuer: env.JWT_ISSUER || 'commerce-accounts',
      audience: env.JWT_AUDIENCE || 'commerce-api',
      ttlSeconds: readPositiveInt(env, 'JWT_TTL_SECONDS', 3600),
      privateKeyPem: env.ACCOUNTS_JWT_PRIVATE_KEY || undefined,
    },
    ports: {
      gateway: readPort(env, 'PORT', 4000),
      accounts: readPort(env, 'ACCOUNTS_PORT', 4001),
      products: readPort(env, 'PRODUCTS_PORT', 4002),
      inventory: readPort(env, 'INVENTORY_PORT', 4003),
      orders: readPort(env, 'ORDERS_PORT', 4004),
      reviews: readPort(env, 'REVIEWS_PORT', 4005),
    },
  });
  logger.info(`supergraph ready: ${stack.gateway.url}${common.production ? '' : ' (Apollo Sandbox: open it in a browser)'}`);
  onShutdownSignal(logger, async () => {
    await stack.close();
    await bus.close();
    await storage.close();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
