import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Budget, BudgetOptions, SharedStore } from './sharedStore';
import { spendFrom } from './budgetResult';

/** The shared store of one process: a map with expiry (swept every 30 s), and `rate-limiter-flexible`'s memory limiter. */
export class MemorySharedStore implements SharedStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly sweep: NodeJS.Timeout;
  private readonly budgets = new Map<string, Budget>();

  constructor(private readonly now: () => number = Date.now) {
    this.sweep = setInterval(() => {
      const at = this.now();
      for (const [key, entry] of this.entries) if (entry.expiresAt <= at) this.entries.delete(key);
    }, 30_000);
    this.sweep.unref();
  }

  async get(key: string): Promise<string | undefined> {
    return this.live(key);
  }

  /** The value of `key` now, synchronously, so a check and the write after it cannot be interleaved. */
  private live(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlMs });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }

  budget(options: BudgetOptions): Budget {
    // One limiter per budget, as Redis keeps one count per key whoever asks.
    const id = `${options.name}|${options.points}|${options.durationSeconds}`;
    let budget = this.budgets.get(id);
    if (!budget) {
      const limiter = new RateLimiterMemory({ keyPrefix: options.name, points: options.points, duration: options.durationSeconds });
      budget = { spend: (key, points = 1) => spendFrom(limiter, key, points) };
      this.budgets.set(id, budget);
    }
    return budget;
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    this.entries.clear();
  }
}
