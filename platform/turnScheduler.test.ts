import { TurnScheduler } from './turnScheduler';

describe('TurnScheduler', () => {
  it('given a burst larger than one turn, when every caller waits its turn, then all run in arrival order, at most perTurn between yields', async () => {
    const scheduler = new TurnScheduler({ perTurn: 3 });
    const log: string[] = [];
    // A macrotask queued before the burst: it runs at the first yield, so it marks the end of the first turn.
    setImmediate(() => log.push('yield'));
    const callers = Array.from({ length: 8 }, (_, i) => scheduler.turn().then(() => void log.push(String(i))));
    expect(scheduler.pending).toBe(5);
    await Promise.all(callers);

    expect(log.filter((entry) => entry !== 'yield')).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    // The first three were admitted at once; the others only after the event loop had its turn.
    expect(log.indexOf('yield')).toBe(3);
    expect(scheduler.pending).toBe(0);
  });

  it('given an idle scheduler, when one caller asks, then it is admitted without waiting for a turn', async () => {
    const scheduler = new TurnScheduler({ perTurn: 1 });
    let admitted = false;
    void scheduler.turn().then(() => (admitted = true));
    await Promise.resolve();
    expect(admitted).toBe(true);
  });
});

describe('TurnScheduler.tryNow', () => {
  it('given room in this turn and nobody waiting, then it admits at once; once the turn is full it refuses, and the refused caller waits its turn in order', async () => {
    const scheduler = new TurnScheduler({ perTurn: 2 });
    const order: string[] = [];

    expect(scheduler.tryNow()).toBe(true);
    expect(scheduler.tryNow()).toBe(true);
    expect(scheduler.tryNow()).toBe(false);
    const waited = scheduler.turn().then(() => order.push('waited'));
    // Someone waits: no one jumps the queue, even in a new turn, until the waiter has been admitted.
    expect(scheduler.tryNow()).toBe(false);
    await waited;

    expect(order).toEqual(['waited']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scheduler.tryNow()).toBe(true);
  });
});
