import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Budget, BudgetOptions, SharedStore } from './sharedStore';
import { spendFrom } from './budgetResult';

/**
 * The shared store over Redis (`ioredis`): every key under `prefix`, so
 * deployments and test runs can share a server. `setIfAbsent` is one
 * `SET … NX PX`, and budgets are `rate-limiter-flexible`'s Redis limiter,
 * atomic across every instance.
 */
export class RedisSharedStore implements SharedStore {
  readonly kind = 'redis';

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Connects (failing at once rather than queueing commands while the server is unreachable). */
  static async connect(options: { url: string; prefix?: string }): Promise<RedisSharedStore> {
    const redis = new Redis(options.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // Without a listener ioredis reports every reconnect failure as an unhandled error event.
    redis.on('error', () => undefined);
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return new RedisSharedStore(redis, options.prefix ?? '');
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(this.prefix + key, value);
    else await this.redis.set(this.prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
  }

  budget(options: BudgetOptions): Budget {
    const limiter = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `${this.prefix}budget:${options.name}`,
      points: options.points,
      duration: options.durationSeconds,
    });
    return { spend: (key, points = 1) => spendFrom(limiter, key, points) };
  }

  /** Deletes every key under this store's prefix (tests clean up with it). */
  async deleteAll(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      if (keys.length) await this.redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
