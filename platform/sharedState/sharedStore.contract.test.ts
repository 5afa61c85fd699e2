import { randomUUID } from 'node:crypto';
import { openTestSharedStore } from '../../tests/support/testSharedStore';
import type { SharedStore } from './sharedStore';

const adapters: Array<'memory' | 'redis'> = ['memory'];
if (process.env.TEST_SHARED_STORE === 'redis' && process.env.REDIS_URL) adapters.push('redis');

/** One contract, every adapter: what the gateway and subgraphs rely on of shared state. */
describe.each(adapters)('shared store contract (%s)', (kind) => {
  let store: SharedStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestSharedStore(kind));
  });
  afterAll(async () => {
    await dispose?.();
  });
  const key = () => `k:${randomUUID()}`;

  it('given a value set, then get returns it; an unknown key gives undefined', async () => {
    const k = key();
    await store.set(k, 'v1');
    expect(await store.get(k)).toBe('v1');
    await store.set(k, 'v2');
    expect(await store.get(k)).toBe('v2');
    expect(await store.get(key())).toBeUndefined();
  });

  it('given a time to live, then the value is gone once it has passed', async () => {
    const k = key();
    await store.set(k, 'brief', 50);
    expect(await store.get(k)).toBe('brief');
    const deadline = Date.now() + 5000;
    while ((await store.get(k)) !== undefined) {
      if (Date.now() > deadline) throw new Error('the value outlived its time to live');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('given setIfAbsent called many times at once for one key, then exactly one caller wins', async () => {
    const k = key();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent(k, `caller-${i}`, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get(k)).toBe(`caller-${results.indexOf(true)}`);
    expect(await store.setIfAbsent(k, 'late', 10_000)).toBe(false);
  });

  it('given a budget of 5 points, then 5 spends pass, the 6th is refused with a wait, and another key has its own budget', async () => {
    const budget = store.budget({ name: `b${randomUUID()}`, points: 5, durationSeconds: 60 });
    const spent = [];
    for (let i = 0; i < 6; i += 1) spent.push(await budget.spend('alice'));
    expect(spent.slice(0, 5).map((s) => s.allowed)).toEqual([true, true, true, true, true]);
    expect(spent[4]).toEqual({ allowed: true, remaining: 0 });
    const refused = spent[5]!;
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterMs).toBeGreaterThan(50_000);
    expect(await budget.spend('bob')).toEqual({ allowed: true, remaining: 4 });
  });

  it('given a spend of several points, then they count together, and one larger than what is left is refused without spending', async () => {
    const budget = store.budget({ name: `b${randomUUID()}`, points: 10, durationSeconds: 60 });
    expect(await budget.spend('k', 7)).toEqual({ allowed: true, remaining: 3 });
    expect((await budget.spend('k', 4)).allowed).toBe(false);
    expect(await budget.spend('k', 3)).toEqual({ allowed: true, remaining: 0 });
  });

  it('given one budget asked for twice (two gateway instances), then both spend from the same points', async () => {
    const options = { name: `b${randomUUID()}`, points: 3, durationSeconds: 60 };
    const [first, second] = [store.budget(options), store.budget(options)];
    expect((await first.spend('k', 2)).allowed).toBe(true);
    expect(await second.spend('k')).toEqual({ allowed: true, remaining: 0 });
    expect((await first.spend('k')).allowed).toBe(false);
  });

  it('given concurrent spends, then no more than the budget pass', async () => {
    const budget = store.budget({ name: `b${randomUUID()}`, points: 10, durationSeconds: 60 });
    const results = await Promise.all(Array.from({ length: 30 }, () => budget.spend('shared')));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
  });
});
