import { DecodedRecord } from '@threadline/contracts';
import {
  appendedEvent,
  createdEvent,
  createdWithParticipants,
  deletedEvent,
  indexFenced,
  tombstonedEvent,
} from '../../../../test/support/event-builder';
import { IngestRecord, planIngest } from './ingest-plan';

const event = (offset: number, e: Parameters<typeof asEvent>[0]): IngestRecord => ({ offset, record: asEvent(e) });
function asEvent(
  e: ReturnType<typeof appendedEvent> | ReturnType<typeof createdEvent> | ReturnType<typeof tombstonedEvent>,
): DecodedRecord {
  return { kind: 'event', event: e };
}
const start = { nextOffset: 0, indexFence: 0 };
const withAgents = (id: string, agents: string[]) =>
  createdWithParticipants(id, [{ id: 'u1', kind: 'user' }, ...agents.map((a) => ({ id: a, kind: 'agent' as const }))]);

describe('planIngest', () => {
  it('takes a create as the initial list, which a later create (a retried PUT) must not replace', () => {
    const plan = planIngest([event(0, withAgents('c1', ['bot'])), event(1, createdEvent('c1'))], start);
    expect(plan.ops.map((op) => op.kind === 'participants' && [op.agentIds, op.initial])).toEqual([
      [['bot'], true],
      [[], true],
    ]);
  });

  it('keeps only the agent participants of a created conversation, in order with its messages', () => {
    const plan = planIngest([event(0, withAgents('c1', ['bot'])), event(1, appendedEvent('c1', 1, 'hi', null))], start);
    expect(plan.ops.map((op) => (op.kind === 'message' ? op.event.seq : op))).toEqual([
      expect.objectContaining({ agentIds: ['bot'] }),
      1,
    ]);
  });

  it('skips records below the stored offset: a replay after a crash delivers nothing twice', () => {
    const plan = planIngest(
      [event(4, appendedEvent('c1', 1, 'a', null)), event(5, appendedEvent('c1', 2, 'b', null))],
      {
        nextOffset: 5,
        indexFence: 0,
      },
    );
    expect(plan.ops).toEqual([
      expect.objectContaining({ kind: 'message', event: expect.objectContaining({ seq: 2 }) }),
    ]);
  });

  it('keeps the first message per seq (rule 1)', () => {
    const first = appendedEvent('c1', 1, 'first', null);
    const plan = planIngest([event(0, first), event(1, appendedEvent('c1', 1, 'again', null))], start);
    expect(plan.ops).toEqual([{ kind: 'message', event: first }]);
  });

  it('keeps the first of a tombstone and a message for the same seq, whichever it is', () => {
    const tombstone = tombstonedEvent('c1', 1);
    const message = appendedEvent('c1', 2, 'kept', null);
    const plan = planIngest(
      [event(0, tombstone), event(1, appendedEvent('c1', 1, 'late', null)), event(2, message), event(3, tombstone)],
      start,
    );
    expect(plan.ops).toEqual([
      { kind: 'tombstone', tenantId: 'default', conversationId: 'c1', seq: 1 },
      { kind: 'message', event: message },
    ]);
  });

  it('delivers nothing for a poison record and lets its stand-in settle the seq', () => {
    const standIn = {
      ...appendedEvent('c1', 1, 'x', null),
      type: 'message.tombstoned' as const,
      data: { reason: 'quarantined' as const },
    };
    const plan = planIngest(
      [
        { offset: 0, record: { kind: 'poison', reason: 'bad', standIn } },
        event(1, appendedEvent('c1', 1, 'late', null)),
      ],
      start,
    );
    expect(plan.ops).toEqual([{ kind: 'tombstone', tenantId: 'default', conversationId: 'c1', seq: 1 }]);
  });

  it('ignores events of an epoch below the fence (rule 6) and stores the fence reached', () => {
    const plan = planIngest(
      [
        { offset: 0, record: { kind: 'fence', fence: indexFenced(2) } },
        event(1, appendedEvent('c1', 1, 'stale', 1)),
        event(2, appendedEvent('c1', 2, 'fresh', 2)),
      ],
      start,
    );
    expect(plan.fence).toBe(2);
    expect(plan.ops.map((op) => op.kind === 'message' && op.event.seq)).toEqual([2]);
  });

  it('plans the deletion of a conversation with the last seq it had', () => {
    const event = deletedEvent('c1', 7);
    const plan = planIngest([{ offset: 0, record: { kind: 'event', event } }], start);
    expect(plan.ops).toEqual([
      { kind: 'deleted', tenantId: 'default', conversationId: 'c1', lastSeq: event.data.last_seq },
    ]);
  });
});
