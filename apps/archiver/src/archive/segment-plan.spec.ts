import { randomUUID } from 'node:crypto';
import { ConversationEvent } from '@threadline/contracts';
import { compressSegment, decompressSegment, parseLine } from '@threadline/persistence';
import { PartitionBuffer, planSegment } from './segment-plan';

function appended(id: string, seq: number): ConversationEvent {
  return {
    schema_version: 1,
    event_id: randomUUID(),
    conversation_id: id,
    occurred_at: '2026-11-23T12:00:00.000Z',
    type: 'message.appended',
    seq,
    data: {
      version: seq,
      message: { role: 'user', parts: [{ type: 'text', text: `${id}:${seq}` }], token_count: 1 },
      producer_id: null,
      producer_seq: null,
    },
  };
}

describe('planSegment', () => {
  const records = [
    { offset: 7, event: appended('a', 2) },
    { offset: 8, event: null },
    { offset: 9, event: appended('b', 1) },
    { offset: 10, event: appended('a', 1) },
    { offset: 11, event: appended('a', 2) },
  ];

  it('names the segment by topic, partition and zero-padded offset range', () => {
    expect(planSegment('t', 3, records).key).toBe('segments/t/3/00000000000000000007-00000000000000000011.ndjson.gz');
  });

  it('indexes each conversation by its seq range and the lines that hold it; undecodable records get no line', () => {
    const plan = planSegment('t', 3, records);
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
    const once = compressSegment(planSegment('t', 3, records).lines);
    const again = compressSegment(planSegment('t', 3, records).lines);
    expect(once.equals(again)).toBe(true);
    expect(once.readUInt32LE(4)).toBe(0); // gzip mtime
  });
});

describe('PartitionBuffer', () => {
  it('closes on size or age', () => {
    const buffer = new PartitionBuffer('t', 0);
    expect(buffer.isOld(10_000, 100)).toBe(false);
    buffer.add({ offset: 0, event: appended('a', 1) }, 1000);
    expect(buffer.nextOffset).toBe(1);
    expect(buffer.isOld(1099, 100)).toBe(false);
    expect(buffer.isOld(1100, 100)).toBe(true);
    expect(buffer.isFull(buffer.uncompressedBytes)).toBe(true);
    expect(buffer.isFull(buffer.uncompressedBytes + 1)).toBe(false);
    buffer.clear();
    expect(buffer.size).toBe(0);
    expect(buffer.nextOffset).toBeNull();
  });
});
