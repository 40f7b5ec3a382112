import { WriteBehind } from './write-behind';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteBehind', () => {
  it('starts a partition write only after its previous one has ended, in order', async () => {
    const writes = new WriteBehind(() => undefined);
    const first = deferred();
    const order: string[] = [];
    writes.start(0, async () => {
      order.push('first started');
      await first.promise;
      order.push('first ended');
    });
    writes.start(0, async () => {
      order.push('second started');
    });
    await tick();
    expect(order).toEqual(['first started']);
    first.resolve();
    await writes.drain();
    expect(order).toEqual(['first started', 'first ended', 'second started']);
  });

  it('runs the writes of different partitions at the same time', async () => {
    const writes = new WriteBehind(() => undefined);
    const held = deferred();
    const started: number[] = [];
    for (const partition of [0, 1, 2]) {
      writes.start(partition, async () => {
        started.push(partition);
        await held.promise;
      });
    }
    await tick();
    expect(started).toEqual([0, 1, 2]);
    held.resolve();
    await writes.drain();
  });

  it('settled waits for the write in flight and resolves at once for an idle partition', async () => {
    const writes = new WriteBehind(() => undefined);
    const held = deferred();
    writes.start(3, () => held.promise);
    let settled = false;
    void writes.settled(3).then(() => {
      settled = true;
    });
    await expect(writes.settled(4)).resolves.toBeUndefined();
    await tick();
    expect(settled).toBe(false);
    held.resolve();
    await writes.drain();
    expect(settled).toBe(true);
  });

  it('hands a rejected write to onError and still runs the next write of the partition', async () => {
    const errors: Array<[number, unknown]> = [];
    const writes = new WriteBehind((partition, error) => errors.push([partition, error]));
    const failure = new Error('connection terminated');
    let next = false;
    writes.start(1, () => Promise.reject(failure));
    writes.start(1, async () => {
      next = true;
    });
    await writes.drain();
    expect(errors).toEqual([[1, failure]]);
    expect(next).toBe(true);
  });

  it('drain waits for writes started while it waits', async () => {
    const writes = new WriteBehind(() => undefined);
    const first = deferred();
    let second = false;
    writes.start(0, () => first.promise);
    const drained = writes.drain();
    writes.start(1, async () => {
      await tick();
      second = true;
    });
    first.resolve();
    await drained;
    expect(second).toBe(true);
  });
});
