import { Logger } from '@nestjs/common';
import { EachBatchPayload } from '@threadline/kafka';
import { LiveStart, planLiveBatch } from './live-batch-plan';
import { FencedPosition, PartitionPositions } from './partition-positions';

/** A batch of partition 0 with messages at these offsets. */
function batch(...offsets: number[]): EachBatchPayload['batch'] {
  return {
    topic: 't',
    partition: 0,
    messages: offsets.map((offset) => ({ offset: String(offset) })),
    firstOffset: () => (offsets.length > 0 ? String(offsets[0]) : null),
  } as unknown as EachBatchPayload['batch'];
}

/** The projector stands at `projector`; Kafka's earliest offset is `earliest`. */
function start(projector: FencedPosition, earliest: number): LiveStart & { located: number } {
  return {
    located: 0,
    of(): Promise<FencedPosition> {
      this.located += 1;
      return Promise.resolve({ ...projector, nextOffset: Math.max(projector.nextOffset, earliest) });
    },
    earliestOffset: () => Promise.resolve(earliest),
  };
}

const logger = new Logger('test');
beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('planLiveBatch', () => {
  it("locates a partition's first batch at the projector's position and goes back there", async () => {
    const positions = new PartitionPositions();
    const from = start({ nextOffset: 12, indexFence: 0 }, 0);
    expect(await planLiveBatch(positions, from, batch(40, 41), logger)).toEqual({ kind: 'seek', offset: '12' });
    expect(from.located).toBe(1);
    expect(await planLiveBatch(positions, from, batch(12, 13), logger)).toEqual({ kind: 'deliver', from: 0 });
  });

  it('goes back a second time when a rejoin came between, without asking Kafka anything', async () => {
    const positions = new PartitionPositions();
    positions.start(0, { nextOffset: 20, indexFence: 0 }, '20');
    const from = start({ nextOffset: 0, indexFence: 0 }, 0);
    expect(await planLiveBatch(positions, from, batch(30), logger)).toEqual({ kind: 'seek', offset: '20' });
    positions.rejoined();
    expect(await planLiveBatch(positions, from, batch(35), logger)).toEqual({ kind: 'seek', offset: '20' });
    expect(from.located).toBe(0);
  });

  it('starts again where the projector stands when the offsets it went back to are gone (retention)', async () => {
    const positions = new PartitionPositions();
    positions.start(0, { nextOffset: 20, indexFence: 1 }, '20');
    const from = start({ nextOffset: 25, indexFence: 3 }, 50);
    expect(await planLiveBatch(positions, from, batch(90), logger)).toEqual({ kind: 'seek', offset: '20' });
    expect(await planLiveBatch(positions, from, batch(90), logger)).toEqual({ kind: 'seek', offset: '50' });
    expect(from.located).toBe(1);
    expect(await planLiveBatch(positions, from, batch(50, 51), logger)).toEqual({ kind: 'deliver', from: 0 });
  });

  it('goes on from the first message when the offsets it went back to are still in Kafka but hold no message', async () => {
    const positions = new PartitionPositions();
    positions.start(0, { nextOffset: 20, indexFence: 0 }, '20');
    const from = start({ nextOffset: 0, indexFence: 0 }, 10);
    expect(await planLiveBatch(positions, from, batch(22, 23), logger)).toEqual({ kind: 'seek', offset: '20' });
    expect(await planLiveBatch(positions, from, batch(22, 23), logger)).toEqual({ kind: 'deliver', from: 0 });
    expect(positions.nextOffsets()).toEqual(new Map([[0, 22]]));
  });
});
