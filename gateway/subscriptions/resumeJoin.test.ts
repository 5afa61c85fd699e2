import { ResumeJoin } from './resumeJoin';

/** A join of results named by their position, recording what it delivers and decides. */
function joinFrom(after: number, joinedAt?: number, maxBuffered = 10) {
  const delivered: string[] = [];
  const told: string[] = [];
  const join = new ResumeJoin<string>({
    after,
    joinedAt,
    maxBuffered,
    deliver: (result) => delivered.push(result),
    caughtUp: () => told.push('caughtUp'),
    overflowed: () => told.push('overflowed'),
  });
  /** The catch-up's event at `position`, resolved when the join still needs it. */
  const catchUp = (position: number) => {
    if (join.needs(position)) join.fromCatchUp(position, `c${position}`);
  };
  const live = (position: number | undefined) => join.live(position, position === undefined ? 'error' : `l${position}`);
  return { join, delivered, told, catchUp, live };
}

describe('a subscriber resuming into a live topic', () => {
  it('given a filtered topic (owner-filtered: events of other owners left out of both streams), then events the catch-up passes still bring it to the live stream', () => {
    // Joined when the topic's last event (8) was someone else's: the catch-up passes it and is done.
    const filtered = joinFrom(3, 8);
    filtered.catchUp(4);
    filtered.join.passed(6);
    expect(filtered.join.catchingUp).toBe(true);
    filtered.join.passed(8);
    expect(filtered.told).toEqual(['caughtUp']);
    filtered.live(9);
    expect(filtered.delivered).toEqual(['c4', 'l9']);

    // A held live event before the position passed is still delivered, once, in order.
    const held = joinFrom(3);
    held.live(7);
    held.catchUp(5);
    held.join.passed(9);
    expect(held.delivered).toEqual(['c5', 'l7']);
    expect(held.told).toEqual(['caughtUp']);
    held.live(7);
    held.live(10);
    expect(held.delivered).toEqual(['c5', 'l7', 'l10']);
  });

  it('given live events while it catches up, then it gets the gap from the catch-up, then the held live events, each once', () => {
    const { join, delivered, told, catchUp, live } = joinFrom(3);
    live(7);
    live(9);
    catchUp(4);
    catchUp(5);
    expect(delivered).toEqual(['c4', 'c5']);
    // The catch-up reaches the first event held: the live stream has everything from there.
    catchUp(7);
    expect(delivered).toEqual(['c4', 'c5', 'l7', 'l9']);
    expect(told).toEqual(['caughtUp']);
    expect(join.catchingUp).toBe(false);
    live(9);
    live(10);
    expect(delivered).toEqual(['c4', 'c5', 'l7', 'l9', 'l10']);
  });

  it('given a catch-up ahead of the live stream, then live events it delivered already are dropped and the rest follow', () => {
    const { delivered, told, catchUp, live } = joinFrom(1);
    catchUp(2);
    catchUp(4);
    catchUp(6);
    live(4);
    expect(told).toEqual(['caughtUp']);
    // Whatever the catch-up still sends is not needed.
    catchUp(8);
    live(6);
    live(8);
    expect(delivered).toEqual(['c2', 'c4', 'c6', 'l8']);
  });

  it('given the last event the topic had when it joined, then reaching it ends the catch-up without waiting for a live event', () => {
    const { join, delivered, told, catchUp, live } = joinFrom(2, 5);
    catchUp(3);
    expect(join.catchingUp).toBe(true);
    catchUp(5);
    expect(told).toEqual(['caughtUp']);
    live(5);
    live(6);
    expect(delivered).toEqual(['c3', 'c5', 'l6']);
  });

  it('given a cursor at or past what the topic has received, then it needs no catch-up and skips what it has seen', () => {
    const { join, delivered, live } = joinFrom(8, 5);
    expect(join.catchingUp).toBe(false);
    live(6);
    live(9);
    expect(delivered).toEqual(['l9']);
  });

  it('given a result with no position, then it is delivered in its place, never dropped', () => {
    const { delivered, catchUp, live } = joinFrom(0);
    live(undefined);
    live(3);
    catchUp(1);
    catchUp(3);
    expect(delivered).toEqual(['c1', 'error', 'l3']);
  });

  it('given more live events than it may hold while catching up, then it ends, and delivers nothing more', () => {
    const { delivered, told, catchUp, live } = joinFrom(0, undefined, 2);
    live(10);
    live(11);
    catchUp(1);
    live(12);
    expect(told).toEqual(['overflowed']);
    catchUp(2);
    live(13);
    expect(delivered).toEqual(['c1']);
  });

  it('given it has ended, then nothing more is delivered', () => {
    const { join, delivered, catchUp, live } = joinFrom(0);
    join.end();
    catchUp(1);
    live(2);
    expect(delivered).toEqual([]);
  });
});
