/**
 * State that every instance of a process shares: rate-limit counters,
 * persisted operations, seen nonces. Redis when `REDIS_URL` is set, so
 * replicas agree; memory otherwise, shared only within one process. Both
 * adapters pass one contract suite (`sharedStore.contract.test.ts`).
 */
export interface SharedStore {
  /** `redis` or `memory`: what is shared beyond this process. */
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key`, for `ttlMs` when given, else until overwritten. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Stores `value` under `key` for `ttlMs` only when the key holds nothing; true when it did (the caller is the first). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * A fixed-window budget of `points` per `durationSeconds` for each key,
   * counted in this store (`rate-limiter-flexible` over Redis or memory):
   * budgets of one name are one budget, however many callers ask for it.
   */
  budget(options: BudgetOptions): Budget;
  /** Releases connections. */
  close(): Promise<void>;
}

export interface BudgetOptions {
  /** Distinguishes the budget's keys from every other budget's, e.g. `operations`. */
  name: string;
  /** Points each key may spend per window. */
  points: number;
  durationSeconds: number;
}

/** What spending from a budget gives: allowed, or refused with when to try again. */
export type Spent = { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

export interface Budget {
  /** Spends `points` (default 1) of `key`'s budget in the current window; refused, spending nothing, when fewer are left. */
  spend(key: string, points?: number): Promise<Spent>;
}
