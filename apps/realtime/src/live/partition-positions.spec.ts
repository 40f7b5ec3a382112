import { DecodedRecord } from '@threadline/contracts';
import { appendedEvent, indexFenced } from '../../../../test/support/event-builder';
import { PartitionPositions, startPosition } from './partition-positions';

function appended(seq: number, epoch?: number): DecodedRecord {
  return { kind: 'event', event: appendedEvent('a', seq, 'hi', epoch ?? null) };
}

function fence(epoch: number): DecodedRecord {
  return { kind: 'fence', fence: indexFenced(epoch) };
}

function deliverAll(positions: PartitionPositions, partition: number, offsets: string[]): void {
  for (const offset of offsets) {
    positions.handle(partition, offset, appended(1));
  }
}

/** A partition located at `nextOffset` with fence `indexFence` by a fetch that started at `fetchedFrom`. */
function located(partition: number, nextOffset: number, indexFence = 0, fetchedFrom = 1_000_000): PartitionPositions {
  const positions = new PartitionPositions();
  positions.start(partition, { nextOffset, indexFence }, String(fetchedFrom));
  return positions;
}

describe('PartitionPositions', () => {
  it('asks where to start on the first batch of a partition, wherever the fetch started', () => {
    expect(new PartitionPositions().plan(0, ['40', '41'])).toEqual({ kind: 'locate' });
  });

  it('goes back from the latest offset to the start position it was given, then delivers from there', () => {
    const positions = located(0, 12, 2);
    expect(positions.plan(0, ['40', '41'])).toEqual({ kind: 'seek', offset: '12', again: false });
    expect(positions.plan(0, ['12', '13'])).toEqual({ kind: 'deliver', from: 0 });
  });

  it('delivers a first batch whole when the projector passed its first records while the start was looked up', () => {
    const positions = located(0, 41, 3, 40);
    expect(positions.plan(0, ['40', '41', '42'])).toEqual({ kind: 'deliver', from: 0 });
    expect(positions.handle(0, '40', appended(5, 2))).toEqual({ fence: 3, event: null, fenced: true });
    expect(positions.handle(0, '41', appended(6, 3))).toMatchObject({ fence: 3, fenced: false, event: { seq: 6 } });
  });

  it('applies the fence rule from the fence of its start position', () => {
    const positions = located(0, 12, 2);
    expect(positions.handle(0, '12', appended(3, 1))).toEqual({ fence: 2, event: null, fenced: true });
    expect(positions.handle(0, '13', appended(3, 2))).toMatchObject({ fence: 2, fenced: false, event: { seq: 3 } });
  });

  it('raises the fence at a fence record and ignores older epochs after it, per partition', () => {
    const positions = located(0, 0);
    positions.start(1, { nextOffset: 0, indexFence: 0 }, '0');
    expect(positions.handle(0, '0', appended(1, 1))).toMatchObject({ fenced: false });
    expect(positions.handle(0, '1', fence(2))).toEqual({ fence: 2, event: null, fenced: false });
    expect(positions.handle(0, '2', appended(2, 1))).toMatchObject({ fenced: true, event: null });
    expect(positions.handle(1, '0', appended(1, 1))).toMatchObject({ fenced: false });
  });

  it('keeps its fence across a rejoin: the fetch goes back to its own position, not to a new start', () => {
    const positions = located(0, 0);
    positions.handle(0, '0', fence(3));
    expect(positions.plan(0, ['57'])).toEqual({ kind: 'seek', offset: '1', again: false });
    expect(positions.handle(0, '1', appended(1, 2))).toMatchObject({ fenced: true });
  });

  it('delivers a batch that continues where the last one stopped', () => {
    const positions = located(0, 40);
    deliverAll(positions, 0, ['40', '41']);
    expect(positions.plan(0, ['42', '43'])).toEqual({ kind: 'deliver', from: 0 });
  });

  it('goes back to its position when a rejoin made the fetch start past it', () => {
    const positions = located(0, 40);
    deliverAll(positions, 0, ['40', '41']);
    expect(positions.plan(0, ['57', '58'])).toEqual({ kind: 'seek', offset: '42', again: false });
    expect(positions.plan(0, ['42', '43'])).toEqual({ kind: 'deliver', from: 0 });
  });

  it('never passes over offsets by itself: a second fetch past the same position is a seek again, for the caller to judge', () => {
    const positions = located(0, 41);
    deliverAll(positions, 0, ['41']);
    expect(positions.plan(0, ['90'])).toEqual({ kind: 'seek', offset: '42', again: false });
    expect(positions.plan(0, ['90', '91'])).toEqual({ kind: 'seek', offset: '42', again: true });
  });

  it('goes back again as a first seek after a rejoin: a seek from before it may be lost', () => {
    const positions = located(0, 41);
    deliverAll(positions, 0, ['41']);
    expect(positions.plan(0, ['90'])).toEqual({ kind: 'seek', offset: '42', again: false });
    positions.rejoined();
    expect(positions.plan(0, ['95'])).toEqual({ kind: 'seek', offset: '42', again: false });
  });

  it('goes on from the first message when the caller found the offsets before it hold none', () => {
    const positions = located(0, 41);
    deliverAll(positions, 0, ['41']);
    expect(positions.passOver(0, ['44', '45'])).toEqual({ kind: 'deliver', from: 0 });
    expect(positions.nextOffsets()).toEqual(new Map([[0, 44]]));
    positions.handle(0, '44', appended(2));
    expect(positions.plan(0, ['45'])).toEqual({ kind: 'deliver', from: 0 });
  });

  it('asks where to start again once a partition is forgotten, keeping the others', () => {
    const positions = located(0, 41);
    positions.start(1, { nextOffset: 7, indexFence: 0 }, '7');
    positions.forget(0);
    expect(positions.plan(0, ['90'])).toEqual({ kind: 'locate' });
    expect(positions.nextOffsets()).toEqual(new Map([[1, 7]]));
  });

  it('drops the messages it delivered already when a batch starts before its position', () => {
    const positions = located(0, 40);
    deliverAll(positions, 0, ['40', '41', '42']);
    expect(positions.plan(0, ['41', '42', '43'])).toEqual({ kind: 'deliver', from: 2 });
    expect(positions.plan(0, ['40', '41'])).toEqual({ kind: 'deliver', from: 2 });
  });

  it('keeps each partition on its own position', () => {
    const positions = located(0, 10);
    positions.start(1, { nextOffset: 500, indexFence: 0 }, '900');
    deliverAll(positions, 0, ['10']);
    deliverAll(positions, 1, ['500']);
    expect(positions.plan(1, ['501'])).toEqual({ kind: 'deliver', from: 0 });
    expect(positions.plan(0, ['12'])).toEqual({ kind: 'seek', offset: '11', again: false });
  });
});

describe('startPosition', () => {
  it("starts at the projector's stored offset with its stored fence", () => {
    expect(startPosition({ nextOffset: 12, indexFence: 2 }, 0)).toEqual({ nextOffset: 12, indexFence: 2 });
  });

  it('starts at the earliest offset with fence 0 when the projector has stored nothing', () => {
    expect(startPosition(null, 7)).toEqual({ nextOffset: 7, indexFence: 0 });
  });

  it('never starts below the earliest offset Kafka still has', () => {
    expect(startPosition({ nextOffset: 3, indexFence: 2 }, 7)).toEqual({ nextOffset: 7, indexFence: 2 });
  });
});
