import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Spent } from './sharedStore';

/**
 * Spends from a `rate-limiter-flexible` limiter: it resolves when points were
 * left and rejects with a `RateLimiterRes` when not (having counted them
 * anyway: they are given back, so a refused call costs nothing); any other
 * rejection is a failure of the store, rethrown.
 */
export async function spendFrom(limiter: RateLimiterAbstract, key: string, points: number): Promise<Spent> {
  try {
    const result = await limiter.consume(key, points);
    return { allowed: true, remaining: result.remainingPoints };
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    await limiter.reward(key, points);
    return { allowed: false, retryAfterMs: Math.max(1, error.msBeforeNext) };
  }
}
