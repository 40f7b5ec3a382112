import { ConversationEvent, DecodedRecord } from '@threadline/contracts';
import { compressSegment, decompressSegment, parseLine } from '@threadline/persistence';
import { appendedEvent, Conversation, indexFenced, tombstonedEvent } from '../../../../test/support/event-builder';
import { ConsumedRecord, PartitionBuffer, planIndex, planSegment, SegmentPlan } from './segment-plan';

const appended = (id: Conversation, seq: number, epoch?: number) =>
  appendedEvent(id, seq, `${typeof id === 'string' ? id : id.conversationId}:${seq}`, epoch ?? null);

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
/** Every line of a plan, tenant by tenant. */
const linesOf = (plan: SegmentPlan) => plan.segments.flatMap((segment) => segment.lines);
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

  it('names the segment by tenant, topic, partition and zero-padded offset range', () => {
    expect(planSegment('t', 3, records, 0).segments.map((s) => s.key)).toEqual([
      'segments/default/t/3/00000000000000000007-00000000000000000011.ndjson.gz',
    ]);
  });

  it("keeps two tenants' same conversation id apart: one segment each, same range, only its own lines", () => {
    const mixed = [
      event(7, appended({ tenantId: 'acme', conversationId: 'demo' }, 1)),
      event(8, appended('demo', 1)),
      event(9, appended({ tenantId: 'acme', conversationId: 'demo' }, 2)),
    ];
    const plan = planSegment('t', 3, mixed, 0);
    expect(plan.segments.map((s) => [s.tenantId, s.key])).toEqual([
      ['acme', 'segments/acme/t/3/00000000000000000007-00000000000000000009.ndjson.gz'],
      ['default', 'segments/default/t/3/00000000000000000007-00000000000000000009.ndjson.gz'],
    ]);
    const [acme, fallback] = plan.segments;
    expect(acme.index).toEqual([
      {
        tenantId: 'acme',
        conversationId: 'demo',
        firstSeq: 1,
        lastSeq: 2,
        firstLine: 0,
        lastLine: 1,
        firstOffset: 7,
        lastOffset: 9,
      },
    ]);
    expect(fallback.index).toEqual([
      {
        tenantId: 'default',
        conversationId: 'demo',
        firstSeq: 1,
        lastSeq: 1,
        firstLine: 0,
        lastLine: 0,
        firstOffset: 8,
        lastOffset: 8,
      },
    ]);
    const tenantsOf = (lines: Buffer[]) =>
      decompressSegment(compressSegment(lines)).map((l) => parseLine(l).event.tenant_id);
    expect(tenantsOf(acme.lines)).toEqual(['acme', 'acme']);
    expect(tenantsOf(fallback.lines)).toEqual(['default']);
  });

  it('indexes each conversation by its seq range and the lines that hold it; undecodable records get no line', () => {
    const plan = planSegment('t', 3, records, 0);
    expect(linesOf(plan)).toHaveLength(4);
    expect(planIndex(plan)).toEqual([
      {
        tenantId: 'default',
        conversationId: 'a',
        firstSeq: 1,
        lastSeq: 2,
        firstLine: 0,
        lastLine: 3,
        firstOffset: 7,
        lastOffset: 11,
      },
      {
        tenantId: 'default',
        conversationId: 'b',
        firstSeq: 1,
        lastSeq: 1,
        firstLine: 1,
        lastLine: 1,
        firstOffset: 9,
        lastOffset: 9,
      },
    ]);
    const lines = decompressSegment(compressSegment(linesOf(plan))).map(parseLine);
    expect(lines.map((l) => [l.partition, l.offset])).toEqual([
      [3, 7],
      [3, 9],
      [3, 10],
      [3, 11],
    ]);
  });

  it('compresses the same records to the same bytes every time', () => {
    const once = compressSegment(linesOf(planSegment('t', 3, records, 0)));
    const again = compressSegment(linesOf(planSegment('t', 3, records, 0)));
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
    expect(offsetsOf(linesOf(plan))).toEqual([20, 23]);
    expect([plan.firstOffset, plan.lastOffset]).toEqual([20, 24]);
    expect(plan.fenced).toEqual([
      { offset: 22, tenantId: 'default', conversationId: 'a', seq: 2 },
      { offset: 24, tenantId: 'default', conversationId: 'a', seq: 3 },
    ]);
    expect(planIndex(plan)).toEqual([
      {
        tenantId: 'default',
        conversationId: 'a',
        firstSeq: 1,
        lastSeq: 2,
        firstLine: 0,
        lastLine: 1,
        firstOffset: 20,
        lastOffset: 23,
      },
    ]);
    expect([plan.startFence, plan.fence]).toEqual([0, 2]);
  });

  it('is a function of the range and the fence at its start: a start fence from an earlier segment still applies', () => {
    const tail = records.slice(2);
    expect(offsetsOf(linesOf(planSegment('t', 0, tail, 2)))).toEqual([23]);
    expect(offsetsOf(linesOf(planSegment('t', 0, tail, 0)))).toEqual([22, 23, 24]);
    const once = compressSegment(linesOf(planSegment('t', 0, tail, 2)));
    expect(once.equals(compressSegment(linesOf(planSegment('t', 0, tail, 2))))).toBe(true);
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
    expect(linesOf(plan)).toEqual([]);
    expect(plan.fenced).toEqual([{ offset: 5, tenantId: 'default', conversationId: 'a', seq: 9 }]);
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
    expect(buffer.plan()).toMatchObject({ startFence: 3, fence: 3, segments: [] });
    buffer.restart(1);
    buffer.add(event(1, appended('a', 1, 2)), 1000);
    expect(buffer.plan()).toMatchObject({ startFence: 1, fence: 1 });
    expect(linesOf(buffer.plan())).toHaveLength(1);
  });
});
