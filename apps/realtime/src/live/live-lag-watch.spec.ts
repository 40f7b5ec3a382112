import { LiveLagWatch } from './live-lag-watch';

/** A watch over a topic whose end offsets and consumer positions the test sets. */
function watching(stallAfterMs = 1000) {
  const ends = new Map<number, number>();
  const positions = new Map<number, number>();
  let kafkaDown = false;
  const watch = new LiveLagWatch(
    () =>
      kafkaDown
        ? Promise.reject(new Error('Kafka unreachable'))
        : Promise.resolve([...ends].map(([partition, high]) => ({ partition, low: '0', high: String(high) }))),
    () => new Map(positions),
    stallAfterMs,
  );
  return { watch, ends, positions, down: (down: boolean) => (kafkaDown = down) };
}

describe('LiveLagWatch', () => {
  it('reports a partition with records past its position that does not move for the stall time', async () => {
    const { watch, ends, positions } = watching();
    ends.set(0, 50).set(1, 9);
    positions.set(0, 40).set(1, 9);
    expect(await watch.check(0)).toEqual([]);
    expect(await watch.check(999)).toEqual([]);
    expect(await watch.check(1000)).toEqual([
      { partition: 0, position: 40, placed: true, end: 50, earliest: 0, stuckForMs: 1000 },
    ]);
    expect(watch.lag()).toEqual(
      new Map([
        [0, 10],
        [1, 0],
      ]),
    );
  });

  it('does not report a partition that moves, or one that has read everything', async () => {
    const { watch, ends, positions } = watching();
    ends.set(0, 50).set(1, 9);
    positions.set(0, 40).set(1, 9);
    await watch.check(0);
    positions.set(0, 41);
    ends.set(1, 9);
    expect(await watch.check(1500)).toEqual([]);
  });

  it('reports a position past the end: records the consumer handled are gone from Kafka', async () => {
    const { watch, ends, positions } = watching();
    ends.set(0, 30);
    positions.set(0, 40);
    await watch.check(0);
    expect(await watch.check(1000)).toEqual([
      { partition: 0, position: 40, placed: true, end: 30, earliest: 0, stuckForMs: 1000 },
    ]);
    expect(watch.lag()).toEqual(new Map([[0, -10]]));
  });

  it('counts the stall time from the first answer after Kafka was unreachable, so a rejoin after an outage is no stall', async () => {
    const { watch, ends, positions, down } = watching();
    ends.set(0, 50);
    positions.set(0, 40);
    await watch.check(0);
    down(true);
    await expect(watch.check(500)).rejects.toThrow('Kafka unreachable');
    down(false);
    expect(await watch.check(1200)).toEqual([]);
    expect(await watch.check(2199)).toEqual([]);
    expect(await watch.check(2200)).toHaveLength(1);
  });

  it('counts the stall time again for a partition it was told to forget', async () => {
    const { watch, ends, positions } = watching();
    ends.set(0, 50);
    positions.set(0, 40);
    await watch.check(0);
    watch.forget(0);
    expect(await watch.check(1000)).toEqual([]);
    expect(await watch.check(2000)).toEqual([
      { partition: 0, position: 40, placed: true, end: 50, earliest: 0, stuckForMs: 1000 },
    ]);
  });

  it('watches a partition without a position from its end when first seen so, until the consumer has a position in it', async () => {
    const { watch, ends, positions } = watching();
    ends.set(0, 50).set(1, 50);
    await watch.check(0);
    ends.set(0, 52);
    expect(await watch.check(1)).toEqual([]);
    expect(await watch.check(1000)).toEqual([]);
    expect(await watch.check(1001)).toEqual([
      { partition: 0, position: 50, placed: false, end: 52, earliest: 0, stuckForMs: 1000 },
    ]);
    positions.set(0, 52);
    expect(await watch.check(3000)).toEqual([]);
    expect(watch.lag()).toEqual(new Map([[0, 0]]));
  });
});
