import { ConversationEvent, DecodedRecord } from '@threadline/contracts';
import { compressSegment, decompressSegment, parseLine } from '@threadline/persistence';
import { appendedEvent, indexFenced, tombstonedEvent } from '../../../../test/support/event-builder';
import { ConsumedRecord, PartitionBuffer, planSegment } from './segment-plan';

const appended = (id: string, seq: number, epoch?: number) => appendedEvent(id, seq, `${id}:${seq}`, epoch ?? null);

const event = (offset: number, e: ConversationEvent): ConsumedRecord => ({
  offset,
  record: { kind: 'event', event: e },
});
const poisonNamingNoSeq = (offset: number): ConsumedRecord => ({
  offset,
  record: { kind: 'poison', reason: 'not JSON', standIn: null },
});
const fence = (offset: number, epoch: number): ConsumedRecord => ({
  offset,
  record: {
    kind: 'fence',
    fence: indexFenced(epoch),
  } satisfies DecodedRecord,
});
const offsetsOf = (lines: Buffer[]) =>
  decompressSegment(compressSegment(lines))
    .map(parseLine)
    .map((l) => l.offset);

describe('planSegment', () => {
  const records = [
    event(7, appended('a', 2)),
    poisonNamingNoSeq(8),
    event(9, appended('b', 1)),
    event(10, appended('a', 1)),
    event(11, appended('a', 2)),
  ];

  it('names the segment by topic, partition and zero-padded offset range', () => {
    expect(planSegment('t', 3, records, 0).key).toBe(
      'segments/t/3/00000000000000000007-00000000000000000011.ndjson.gz',
    );
  });

  it('indexes each conversation by its seq range and the lines that hold it; undecodable records get no line', () => {
    const plan = planSegment('t', 3, records, 0);
    expect(plan.lines).toHaveLength(4);
    expect(plan.index).toEqual([
      { conversationId: 'a', firstSeq: 1, lastSeq: 2, firstLine: 0, lastLine: 3, firstOffset: 7, lastOffset: 11 },
      { conversationId: 'b', firstSeq: 1, lastSeq: 1, firstLine: 1, lastLine: 1, firstOffset: 9, lastOffset: 9 },
    ]);
    const lines = decompressSegment(compressSegment(plan.lines)).map(parseLine);
    expect(lines.map((l) => [l.partition, l.offset])).toEqual([
      [3, 7],
      [3, 9],
      [3, 10],
      [3, 11],
    ]);
  });

  it('compresses the same records to the same bytes every time', () => {
    const once = compressSegment(planSegment('t', 3, records, 0).lines);
    const again = compressSegment(planSegment('t', 3, records, 0).lines);
    expect(once.equals(again)).toBe(true);
    expect(once.readUInt32LE(4)).toBe(0); // gzip mtime
  });
});

describe('planSegment with the fence rule', () => {
  const records = [
    event(20, appended('a', 1, 1)),
    fence(21, 2),
    event(22, appended('a', 2, 1)),
    event(23, appended('a', 2, 2)),
    event(24, appended('a', 3)),
  ];

  it('gives no line to a fence record or to an event below the fence; the offset range still covers them', () => {
    const plan = planSegment('t', 0, records, 0);
    expect(offsetsOf(plan.lines)).toEqual([20, 23]);
    expect([plan.firstOffset, plan.lastOffset]).toEqual([20, 24]);
    expect(plan.fenced).toEqual([
      { offset: 22, conversationId: 'a', seq: 2 },
      { offset: 24, conversationId: 'a', seq: 3 },
    ]);
    expect(plan.index).toEqual([
      { conversationId: 'a', firstSeq: 1, lastSeq: 2, firstLine: 0, lastLine: 1, firstOffset: 20, lastOffset: 23 },
    ]);
    expect([plan.startFence, plan.fence]).toEqual([0, 2]);
  });

  it('is a function of the range and the fence at its start: a start fence from an earlier segment still applies', () => {
    const tail = records.slice(2);
    expect(offsetsOf(planSegment('t', 0, tail, 2).lines)).toEqual([23]);
    expect(offsetsOf(planSegment('t', 0, tail, 0).lines)).toEqual([22, 23, 24]);
    const once = compressSegment(planSegment('t', 0, tail, 2).lines);
    expect(once.equals(compressSegment(planSegment('t', 0, tail, 2).lines))).toBe(true);
  });

  it('ignores a fenced poison stand-in: its seq gets no tombstone line', () => {
    const zombie: ConsumedRecord = {
      offset: 5,
      record: {
        kind: 'poison',
        reason: 'nonsense',
        standIn: tombstonedEvent('a', 9, 1, undefined, 'quarantined'),
      },
    };
    const plan = planSegment('t', 0, [zombie], 2);
    expect(plan.lines).toEqual([]);
    expect(plan.fenced).toEqual([{ offset: 5, conversationId: 'a', seq: 9 }]);
  });
});

describe('PartitionBuffer', () => {
  it('closes on size or age', () => {
    const buffer = new PartitionBuffer('t', 0);
    expect(buffer.isOld(10_000, 100)).toBe(false);
    buffer.add(event(0, appended('a', 1)), 1000);
    expect(buffer.nextOffset).toBe(1);
    expect(buffer.isOld(1099, 100)).toBe(false);
    expect(buffer.isOld(1100, 100)).toBe(true);
    expect(buffer.isFull(buffer.uncompressedBytes)).toBe(true);
    expect(buffer.isFull(buffer.uncompressedBytes + 1)).toBe(false);
    buffer.clear();
    expect(buffer.size).toBe(0);
    expect(buffer.nextOffset).toBeNull();
  });

  it('counts no bytes for what the fence rule ignores', () => {
    const buffer = new PartitionBuffer('t', 0);
    buffer.restart(2);
    buffer.add(event(0, appended('a', 1, 1)), 1000);
    expect(buffer.size).toBe(1);
    expect(buffer.uncompressedBytes).toBe(0);
  });

  it('starts each segment at the fence the previous one ended with, and a restart at the stored fence', () => {
    const buffer = new PartitionBuffer('t', 0);
    buffer.add(fence(0, 3), 1000);
    expect(buffer.plan()).toMatchObject({ startFence: 0, fence: 3 });
    buffer.clear();
    buffer.add(event(1, appended('a', 1, 2)), 1000);
    expect(buffer.plan()).toMatchObject({ startFence: 3, fence: 3, lines: [] });
    buffer.restart(1);
    buffer.add(event(1, appended('a', 1, 2)), 1000);
    expect(buffer.plan()).toMatchObject({ startFence: 1, fence: 1 });
    expect(buffer.plan().lines).toHaveLength(1);
  });
});
