/** The source of time. Composition roots pass `systemClock`; tests may pass one they move by hand. */
export interface Clock {
  now(): Date;
  /** Calls `fn` once the clock reads `at` (ms since the epoch) or later; returns what cancels it. Unset: a system timer (see `setAlarm`). */
  setAlarm?(at: number, fn: () => void): () => void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = { now: () => new Date() };

/**
 * Calls `fn` when `clock` reads `at` or later (at once when it already does),
 * by the clock's own alarms when it has them, else by an unref'd timer that
 * does not keep the process alive. Returns what cancels it.
 */
export function setAlarm(clock: Clock, at: number, fn: () => void): () => void {
  if (clock.setAlarm) return clock.setAlarm(at, fn);
  let timer: NodeJS.Timeout;
  const arm = () => {
    const delay = at - clock.now().getTime();
    // Node's timers hold at most 2^31-1 ms (about 24.8 days); a later alarm waits in steps.
    timer = delay > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, delay));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
