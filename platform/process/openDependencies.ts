import type { CommonConfig } from '../config';
import { redactUrl } from '../config';
import type { Logger } from '../logger';
import type { EventBus } from '../events/eventBus';
import { openEventBus } from '../events/openEventBus';
import type { ConnectionPool } from '../storage/database';
import { DataDirInUse } from '../storage/dataDirLock';
import { openStorage } from '../storage/openStorage';
import { connectWithRetry, StartupError } from './connectWithRetry';
import type { SharedStore } from '../sharedState/sharedStore';
import { MemorySharedStore } from '../sharedState/memorySharedStore';

/**
 * Opens the storage the configuration names: PostgreSQL (`DATABASE_URL`),
 * retried while unreachable for `CONNECT_RETRY_SECONDS`, or PGlite in
 * `DATA_DIR/<pgliteFolder>`, refused when another process holds it.
 */
export async function openConfiguredStorage(config: CommonConfig, logger: Logger, pgliteFolder?: string): Promise<ConnectionPool> {
  const { databaseUrl } = config;
  if (databaseUrl) {
    return connectWithRetry(() => openStorage({ databaseUrl }), {
      variable: 'DATABASE_URL',
      target: `PostgreSQL at ${describeTarget(databaseUrl)}`,
      timeoutMs: config.connectRetryMs,
      logger,
    });
  }
  try {
    return await openStorage({ dataDir: config.dataDir, pgliteFolder });
  } catch (error) {
    if (error instanceof DataDirInUse) throw new StartupError('DATA_DIR', error.message);
    throw error;
  }
}

/** Opens NATS JetStream (`NATS_URL`), retried while unreachable for `CONNECT_RETRY_SECONDS`, or the in-process bus. */
export async function openConfiguredEventBus(config: CommonConfig, logger: Logger, name: string): Promise<EventBus> {
  const { natsUrl } = config;
  if (!natsUrl) return openEventBus({});
  return connectWithRetry(() => openEventBus({ natsUrl, prefix: config.natsPrefix, name }), {
    variable: 'NATS_URL',
    target: `NATS at ${natsUrl.split(',').map(describeTarget).join(', ')}`,
    timeoutMs: config.connectRetryMs,
    logger,
  });
}

/** Opens Redis (`REDIS_URL`), retried while unreachable for `CONNECT_RETRY_SECONDS`, or a store in this process's memory. */
export async function openConfiguredSharedStore(config: CommonConfig, logger: Logger): Promise<SharedStore> {
  const { redisUrl } = config;
  if (!redisUrl) return new MemorySharedStore();
  // Loaded only when Redis is configured.
  const { RedisSharedStore } = require('../sharedState/redisSharedStore') as typeof import('../sharedState/redisSharedStore');
  return connectWithRetry(() => RedisSharedStore.connect({ url: redisUrl, prefix: config.redisPrefix }), {
    variable: 'REDIS_URL',
    target: `Redis at ${describeTarget(redisUrl)}`,
    timeoutMs: config.connectRetryMs,
    logger,
  });
}

/** `host:port/path` of a connection URL, without credentials. */
function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return redactUrl(url);
  }
}
