/** Waits `ms`, or less when `woken` is aborted. Injected by tests; the default is a timer. */
export type Pause = (ms: number, woken: AbortSignal) => Promise<void>;

export interface PollLoopOptions {
  /** One round of work. A rejection is a failure: the loop goes on, backing off if `maxBackoffMs` is set. */
  round: () => Promise<void>;
  /** Pause between rounds while they succeed, ended early by `wake()`. */
  pollMs: number;
  /**
   * Longest pause while rounds fail: the pause after the n-th failure in a
   * row is min(`maxBackoffMs`, 100 ms × 2ⁿ), and `wake()` does not shorten it.
   * Default: none, a failed round is followed by the usual `pollMs` pause.
   */
  maxBackoffMs?: number;
  /** Told of each failure in a row (`failures` counts them, from 1). */
  onFailure?: (error: unknown, failures: number) => void;
  /** Told when a round succeeds after `failures` failed ones. */
  onRecovery?: (failures: number) => void;
  /** Default: a timer. */
  pause?: Pause;
}

export interface PollLoop {
  /** Ends the current pause now (unless backing off), so a new round starts. */
  wake(): void;
  /** Runs one round now, after the current one; rounds never overlap. Rejects with its failure. */
  runRound(): Promise<void>;
  /** Whether the last round failed. */
  readonly failing: boolean;
  readonly running: boolean;
  /** Ends the loop: ends the pause and resolves once the current round has finished. */
  stop(): Promise<void>;
}

const timerPause: Pause = (ms, woken) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    woken.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Runs `round` again and again: after each, it pauses `pollMs` or until
 * woken (work arrived), and while rounds fail it backs off exponentially.
 * The outbox relay and the projection runner are two such loops.
 */
export function startPollLoop(options: PollLoopOptions): PollLoop {
  const { pollMs, maxBackoffMs } = options;
  const pause = options.pause ?? timerPause;
  let running = true;
  let failures = 0;
  // The pause under way, if any; `wakeable` is false while backing off.
  let pausing: { controller: AbortController; wakeable: boolean } | undefined;
  let wokenDuringRound = false;
  // The last round, settled either way, so the next one waits for it.
  let current: Promise<void> = Promise.resolve();

  const runRound = (): Promise<void> => {
    const round = current.then(() => options.round());
    current = round.catch(() => undefined);
    return round;
  };

  const loop = (async () => {
    while (running) {
      wokenDuringRound = false;
      try {
        await runRound();
        if (failures > 0) options.onRecovery?.(failures);
        failures = 0;
      } catch (error) {
        failures += 1;
        options.onFailure?.(error, failures);
      }
      if (!running) break;
      const backingOff = failures > 0 && maxBackoffMs !== undefined;
      // A wake-up during the round counts: work may have arrived after the round looked for it.
      if (wokenDuringRound && !backingOff) continue;
      pausing = { controller: new AbortController(), wakeable: !backingOff };
      await pause(backingOff ? Math.min(maxBackoffMs, 100 * 2 ** Math.min(failures, 10)) : pollMs, pausing.controller.signal);
      pausing = undefined;
    }
  })();

  return {
    wake: () => {
      if (!pausing) wokenDuringRound = true;
      else if (pausing.wakeable) pausing.controller.abort();
    },
    runRound,
    get failing() {
      return failures > 0;
    },
    get running() {
      return running;
    },
    stop: async () => {
      running = false;
      failures = 0;
      pausing?.controller.abort();
      await loop;
    },
  };
}
