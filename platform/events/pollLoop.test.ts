import { startPollLoop, type Pause } from './pollLoop';

/** A pause the test ends: each call is recorded with its length and whether a wake-up ended it. */
function controlledPause() {
  const pauses: Array<{ ms: number; woken: AbortSignal; end(): void }> = [];
  let started: () => void = () => undefined;
  const pause: Pause = (ms, woken) =>
    new Promise<void>((resolve) => {
      pauses.push({ ms, woken, end: resolve });
      woken.addEventListener('abort', () => resolve(), { once: true });
      started();
    });
  /** Resolves once the loop is in its n-th pause (from 1). */
  const nthPause = (n: number) =>
    new Promise<(typeof pauses)[number]>((resolve) => {
      const check = () => (pauses.length >= n ? resolve(pauses[n - 1]!) : (started = check));
      check();
    });
  return { pause, nthPause };
}

describe('startPollLoop', () => {
  it('given rounds that succeed, then it pauses pollMs after each, and a wake-up ends the pause', async () => {
    const { pause, nthPause } = controlledPause();
    let rounds = 0;
    const loop = startPollLoop({ round: async () => void (rounds += 1), pollMs: 1000, pause });
    const first = await nthPause(1);
    expect(first.ms).toBe(1000);
    loop.wake();
    expect(first.woken.aborted).toBe(true);
    await nthPause(2);
    expect(rounds).toBe(2);
    await loop.stop();
  });

  it('given failing rounds and maxBackoffMs, then the pauses grow up to it and wake-ups do not shorten them, until a round succeeds', async () => {
    const { pause, nthPause } = controlledPause();
    let failuresLeft = 4;
    const failuresSeen: number[] = [];
    const recovered = jest.fn();
    const loop = startPollLoop({
      round: async () => {
        if (failuresLeft-- > 0) throw new Error('bus down');
      },
      pollMs: 1000,
      maxBackoffMs: 1000,
      pause,
      onFailure: (_error, failures) => failuresSeen.push(failures),
      onRecovery: recovered,
    });
    const lengths: number[] = [];
    for (let n = 1; n <= 4; n += 1) {
      const current = await nthPause(n);
      lengths.push(current.ms);
      loop.wake();
      expect(current.woken.aborted).toBe(false);
      expect(loop.failing).toBe(true);
      current.end();
    }
    const afterRecovery = await nthPause(5);
    expect(lengths).toEqual([200, 400, 800, 1000]);
    expect(failuresSeen).toEqual([1, 2, 3, 4]);
    expect(recovered).toHaveBeenCalledWith(4);
    expect(afterRecovery.ms).toBe(1000);
    expect(loop.failing).toBe(false);
    await loop.stop();
  });

  it('given a round under way, when stopped, then stop() waits for that round and no other starts', async () => {
    const { pause } = controlledPause();
    let finishRound: () => void = () => undefined;
    const started = jest.fn();
    const roundStarted = new Promise<void>((resolve) => started.mockImplementation(resolve));
    const loop = startPollLoop({
      round: () => {
        started();
        return new Promise<void>((resolve) => (finishRound = resolve));
      },
      pollMs: 1000,
      pause,
    });
    await roundStarted;
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    expect(loop.running).toBe(false);
    finishRound();
    await stopping;
    expect(stopped).toBe(true);
    expect(started).toHaveBeenCalledTimes(1);
  });

  it('given a round run on demand while another runs, then it starts after that one, and its failure rejects only its caller', async () => {
    const { pause, nthPause } = controlledPause();
    const order: string[] = [];
    let calls = 0;
    const loop = startPollLoop({
      round: async () => {
        calls += 1;
        order.push(`round ${calls}`);
        if (calls === 2) throw new Error('once');
      },
      pollMs: 1000,
      pause,
    });
    await expect(loop.runRound()).rejects.toThrow('once');
    await expect(loop.runRound()).resolves.toBeUndefined();
    await nthPause(1);
    expect(order).toEqual(['round 1', 'round 2', 'round 3']);
    await loop.stop();
  });
});
