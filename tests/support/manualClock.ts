import type { Clock } from '../../platform/clock';

/**
 * A clock that runs with the system clock and that a test moves forward at
 * will: `advance(ms)` jumps it ahead and fires every alarm that falls due, so
 * expiry (tokens, subscriptions) is tested without waiting for it.
 */
export class ManualClock implements Clock {
  private offsetMs = 0;
  private alarms = new Set<{ at: number; fn: () => void }>();

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  setAlarm(at: number, fn: () => void): () => void {
    const alarm = { at, fn };
    if (at <= this.now().getTime()) {
      queueMicrotask(fn);
      return () => undefined;
    }
    this.alarms.add(alarm);
    return () => void this.alarms.delete(alarm);
  }

  /** Moves the clock `ms` ahead and fires the alarms now due, earliest first. */
  advance(ms: number): void {
    this.offsetMs += ms;
    const now = this.now().getTime();
    const due = [...this.alarms].filter((alarm) => alarm.at <= now).sort((a, b) => a.at - b.at);
    for (const alarm of due) {
      this.alarms.delete(alarm);
      alarm.fn();
    }
  }
}
