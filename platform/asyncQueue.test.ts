import { AsyncQueue } from './asyncQueue';

/** Collects what the reader gets until the queue is done or throws. */
async function readAll<T>(queue: AsyncIterable<T>): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of queue) values.push(value);
    return { values };
  } catch (error) {
    return { values, error };
  }
}

describe('AsyncQueue', () => {
  it('given values pushed before and while a reader waits, then it reads them in order, and done after end()', async () => {
    const queue = new AsyncQueue<number>({ capacity: 10 });
    void queue.push(1);
    const waiting = queue.next();
    void queue.push(2);
    void queue.push(3);
    queue.end();
    await expect(waiting).resolves.toEqual({ value: 1, done: false });
    await expect(readAll(queue)).resolves.toEqual({ values: [2, 3] });
  });

  it('given an ending with an error or a last value, then the reader reads the backlog first, then the last value, then the error, once', async () => {
    const failed = new AsyncQueue<number>({ capacity: 10 });
    void failed.push(1);
    failed.end({ error: new Error('gone'), last: 2 });
    await expect(readAll(failed)).resolves.toEqual({ values: [1, 2], error: new Error('gone') });
    await expect(failed.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('given an ending that drops the backlog, then the next read gets its error', async () => {
    const queue = new AsyncQueue<number>({ capacity: 10 });
    void queue.push(1);
    queue.end({ error: new Error('gone'), dropBacklog: true });
    await expect(queue.next()).rejects.toThrow('gone');
  });

  it('given several waiting reads when it ends with an error, then the first gets the error and the others done', async () => {
    const queue = new AsyncQueue<number>({ capacity: 10 });
    const [first, second] = [queue.next(), queue.next()];
    queue.end({ error: new Error('gone') });
    await expect(first).rejects.toThrow('gone');
    await expect(second).resolves.toEqual({ value: undefined, done: true });
  });

  it('given the `wait` policy and a full backlog, then the push that filled it resolves only once the reader takes a value', async () => {
    const queue = new AsyncQueue<number>({ capacity: 2 });
    await queue.push(1);
    let resumed = false;
    const filled = queue.push(2).then(() => (resumed = true));
    // The next turn of the event loop is the marker: every promise already settled has run its callbacks by then.
    await new Promise(setImmediate);
    expect(resumed).toBe(false);
    await expect(queue.next()).resolves.toEqual({ value: 1, done: false });
    await filled;
    expect(resumed).toBe(true);
  });

  it('given the `wait` policy with `stallMs` and a reader that takes nothing, then the queue ends as `stalled` says and the producer is stopped', async () => {
    const onStop = jest.fn();
    const queue = new AsyncQueue<number>({
      capacity: 1,
      whenFull: { wait: { stallMs: 10, stalled: () => ({ error: new Error('stalled'), dropBacklog: true }) } },
      onStop,
    });
    await queue.push(1);
    await expect(queue.next()).rejects.toThrow('stalled');
    expect(onStop).toHaveBeenCalledTimes(1);
  });

  it('given the `end` policy and a full backlog, then the next push ends the queue as `end` says, after the backlog', async () => {
    const queue = new AsyncQueue<string>({ capacity: 2, whenFull: { end: () => ({ last: 'too slow' }) } });
    for (const value of ['a', 'b', 'c', 'd']) void queue.push(value);
    expect(queue.ended).toBe(true);
    await expect(readAll(queue)).resolves.toEqual({ values: ['a', 'b', 'too slow'] });
  });

  it('given a reader that leaves, then return() drops the backlog, ends a waiting read, and resolves once onStop has', async () => {
    let stopped = false;
    const queue = new AsyncQueue<number>({
      capacity: 10,
      onStop: async () => {
        await Promise.resolve();
        stopped = true;
      },
    });
    const waiting = queue.next();
    await queue.return();
    expect(stopped).toBe(true);
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    void queue.push(1);
    await expect(queue.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it('given a push held by a full backlog, when the queue ends, then the push resolves and onStop runs once', async () => {
    const onStop = jest.fn();
    const queue = new AsyncQueue<number>({ capacity: 1, onStop });
    const held = queue.push(1);
    queue.end();
    await queue.return();
    await held;
    expect(onStop).toHaveBeenCalledTimes(1);
  });
});
