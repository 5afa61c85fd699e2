import { randomBytes } from 'node:crypto';
import type { SharedStore } from '../../platform/sharedState/sharedStore';
import { MemorySharedStore } from '../../platform/sharedState/memorySharedStore';
import { RedisSharedStore } from '../../platform/sharedState/redisSharedStore';

/** Which shared store the suites run on: `redis` when the test runner set TEST_SHARED_STORE=redis (REDIS_URL required), else memory. */
export function testSharedStoreKind(): 'memory' | 'redis' {
  return process.env.TEST_SHARED_STORE === 'redis' ? 'redis' : 'memory';
}

/**
 * A shared store of this suite's own. On Redis its keys carry a prefix unique
 * to the suite, and `dispose` deletes them, so runs never collide.
 */
export async function openTestSharedStore(kind = testSharedStoreKind()): Promise<{ store: SharedStore; dispose(): Promise<void> }> {
  if (kind === 'redis') {
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('TEST_SHARED_STORE=redis needs REDIS_URL.');
    const store = await RedisSharedStore.connect({ url, prefix: `t${randomBytes(5).toString('hex')}:` });
    return {
      store,
      dispose: async () => {
        await store.deleteAll();
        await store.close();
      },
    };
  }
  const store = new MemorySharedStore();
  return { store, dispose: () => store.close() };
}
