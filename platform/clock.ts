/** The source of time. Composition roots pass `systemClock`; tests may pass a fixed one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
