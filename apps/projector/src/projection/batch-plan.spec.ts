import { randomUUID } from 'node:crypto';
import { ConversationEvent } from '@threadline/contracts';
import { planChunk, ProjectionRecord, splitIntoChunks } from './batch-plan';

const at = (second: number) => `2026-11-23T12:00:${String(second).padStart(2, '0')}.000Z`;

function envelope(conversationId: string, second = 0) {
  return {
    schema_version: 1,
    event_id: randomUUID(),
    conversation_id: conversationId,
    occurred_at: at(second),
  } as const;
}

function created(id: string, metadata: Record<string, unknown>, second = 0): ConversationEvent {
  return { ...envelope(id, second), type: 'conversation.created', data: { metadata } };
}

function appended(id: string, seq: number, text: string, second = 0): ConversationEvent {
  return {
    ...envelope(id, second),
    type: 'message.appended',
    seq,
    data: {
      version: seq,
      message: { role: 'user', parts: [{ type: 'text', text }], token_count: 1 },
      producer_id: null,
      producer_seq: null,
    },
  };
}

function tombstoned(id: string, seq: number, second = 0): ConversationEvent {
  return { ...envelope(id, second), type: 'message.tombstoned', seq, data: { reason: 'abandoned' } };
}

function deleted(id: string, second = 0): ConversationEvent {
  return { ...envelope(id, second), type: 'conversation.deleted', data: { last_seq: 0 } };
}

const records = (...events: ConversationEvent[]): ProjectionRecord[] =>
  events.map((event, i) => ({ offset: 100 + i, event }));

describe('planChunk', () => {
  it('keeps the first event per (conversation, seq) in offset order, message or tombstone', () => {
    const plan = planChunk(
      records(
        appended('a', 1, 'first'),
        appended('a', 1, 'second'),
        tombstoned('a', 2),
        appended('a', 2, 'too late'),
        appended('b', 1, 'other conversation'),
      ),
      0,
    );
    expect(plan.messages.map((m) => [m.conversationId, m.seq, m.kind, m.parts])).toEqual([
      ['a', 1, 'message', [{ type: 'text', text: 'first' }]],
      ['a', 2, 'tombstone', null],
      ['b', 1, 'message', [{ type: 'text', text: 'other conversation' }]],
    ]);
    expect(plan.messages[1]).toMatchObject({ tombstoneReason: 'abandoned', version: null, offset: 102 });
  });

  it('drops events below the stored next offset and counts them as replayed', () => {
    const plan = planChunk(records(appended('a', 1, 'x'), appended('a', 2, 'y'), appended('a', 3, 'z')), 102);
    expect(plan.replayed).toBe(2);
    expect(plan.messages.map((m) => m.seq)).toEqual([3]);
    expect(plan.applied).toEqual(new Map([['message.appended', 1]]));
  });

  it('creates a conversation from the first event that mentions it: metadata only from a created event that comes first', () => {
    const plan = planChunk(
      records(
        created('a', { channel: 'web' }, 1),
        created('a', { channel: 'later' }, 2),
        appended('b', 1, 'x', 3),
        created('b', { channel: 'too late' }, 4),
        deleted('c', 5),
      ),
      0,
    );
    expect(plan.conversations).toEqual([
      { id: 'a', metadata: { channel: 'web' }, at: at(1) },
      { id: 'b', metadata: {}, at: at(3) },
      { id: 'c', metadata: {}, at: at(5) },
    ]);
  });

  it('marks each deleted conversation once, at its first delete', () => {
    const plan = planChunk(records(deleted('a', 1), deleted('a', 2)), 0);
    expect(plan.deletes).toEqual([{ id: 'a', at: at(1) }]);
  });

  it('maps a message event to every column of its row', () => {
    const event = appended('a', 4, 'hello');
    const [row] = planChunk([{ offset: 7, event }], 0).messages;
    expect(row).toEqual({
      conversationId: 'a',
      seq: 4,
      kind: 'message',
      version: 4,
      role: 'user',
      parts: [{ type: 'text', text: 'hello' }],
      metadata: {},
      tokenCount: 1,
      producerId: null,
      producerSeq: null,
      tombstoneReason: null,
      eventId: event.event_id,
      insertedAt: event.occurred_at,
      offset: 7,
    });
  });
});

describe('splitIntoChunks', () => {
  it('splits in order into chunks of at most the given size', () => {
    expect(splitIntoChunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitIntoChunks([], 2)).toEqual([]);
  });
});
