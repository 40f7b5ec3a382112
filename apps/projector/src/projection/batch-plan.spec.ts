import { ConversationEvent, DecodedRecord, Participant } from '@threadline/contracts';
import {
  appendedEvent,
  createdEvent,
  createdWithParticipants,
  deletedEvent,
  indexFenced,
  participantsSetEvent,
  tombstonedEvent,
  updatedEvent,
} from '../../../../test/support/event-builder';
import {
  participantListsToWrite,
  ParticipantsChange,
  planChunk,
  PoisonRecord,
  ProjectionRecord,
  splitIntoChunks,
} from './batch-plan';

const at = (second: number) => `2026-11-23T12:00:${String(second).padStart(2, '0')}.000Z`;

const appended = (id: string, seq: number, text: string, second = 0, epoch?: number) =>
  appendedEvent(id, seq, text, epoch ?? null, null, at(second));
const tombstoned = (id: string, seq: number, second = 0) => tombstonedEvent(id, seq, null, at(second));
const created = (id: string, metadata: Record<string, unknown>, second = 0) => createdEvent(id, metadata, at(second));
const deleted = (id: string, second = 0) => deletedEvent(id, 0, null, at(second));
const createdWith = (id: string, participants: Participant[], second = 0) =>
  createdWithParticipants(id, participants, null, at(second));
const participantsSet = (id: string, participants: Participant[], second = 0) =>
  participantsSetEvent(id, participants, null, at(second));
const updated = (id: string, version: number, second = 0) =>
  updatedEvent(
    id,
    { title: `v${version}`, metadata: { version }, archived: version % 2 === 0, version },
    null,
    at(second),
  );
const alice: Participant = { id: 'alice', kind: 'user' };
const bot: Participant = { id: 'bot', kind: 'agent' };
const fence = (epoch: number): DecodedRecord => ({ kind: 'fence', fence: indexFenced(epoch, at(0)) });

const asRecord = (item: ConversationEvent | DecodedRecord): DecodedRecord =>
  'kind' in item ? item : { kind: 'event', event: item };

/** Records at offsets 100, 101, ...: events, or records already through the poison rule. */
const records = (...items: (ConversationEvent | DecodedRecord)[]): ProjectionRecord[] =>
  items.map((item, i) => ({ offset: 100 + i, record: asRecord(item) }));

/** A stored position: next offset and fence. */
const from = (nextOffset: number, indexFence = 0) => ({ nextOffset, indexFence });

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
      from(0),
    );
    expect(plan.messages.map((m) => [m.conversationId, m.seq, m.kind, m.parts])).toEqual([
      ['a', 1, 'message', [{ type: 'text', text: 'first' }]],
      ['a', 2, 'tombstone', null],
      ['b', 1, 'message', [{ type: 'text', text: 'other conversation' }]],
    ]);
    expect(plan.messages[1]).toMatchObject({ tombstoneReason: 'abandoned', version: null, offset: 102 });
  });

  it('drops events below the stored next offset and counts them as replayed', () => {
    const plan = planChunk(records(appended('a', 1, 'x'), appended('a', 2, 'y'), appended('a', 3, 'z')), from(102));
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
      from(0),
    );
    expect(plan.conversations).toEqual([
      { tenantId: 'default', id: 'a', metadata: { channel: 'web' }, title: null, creator: null, at: at(1), fork: null },
      { tenantId: 'default', id: 'b', metadata: {}, title: null, creator: null, at: at(3), fork: null },
      { tenantId: 'default', id: 'c', metadata: {}, title: null, creator: null, at: at(5), fork: null },
    ]);
  });

  it("takes a fork's parent from the created event that creates the row, not from a later copy", () => {
    const forkOf = (parent: string, atSeq: number, second: number): ConversationEvent => {
      const event = created('f', {}, second);
      return { ...event, data: { ...event.data, fork: { parent_conversation_id: parent, at_seq: atSeq } } };
    };
    const plan = planChunk(records(forkOf('p', 3, 1), forkOf('q', 2, 2)), from(0));
    expect(plan.conversations).toEqual([
      {
        tenantId: 'default',
        id: 'f',
        metadata: {},
        title: null,
        creator: null,
        at: at(1),
        fork: { parentConversationId: 'p', atSeq: 3 },
      },
    ]);
  });

  it("keeps two tenants' same conversation id apart: two conversation rows, each with its own seq 1", () => {
    const acme = { tenantId: 'acme', conversationId: 'demo' };
    const plan = planChunk(
      records(
        appendedEvent(acme, 1, 'acme one', null, null, at(1)),
        appended('demo', 1, 'default one', 2),
        appendedEvent(acme, 1, 'acme duplicate', null, null, at(3)),
        deletedEvent(acme, 1, null, at(4)),
      ),
      from(0),
    );
    expect(plan.conversations.map((c) => [c.tenantId, c.id])).toEqual([
      ['acme', 'demo'],
      ['default', 'demo'],
    ]);
    expect(plan.messages.map((m) => [m.tenantId, m.conversationId, m.seq, m.parts])).toEqual([
      ['acme', 'demo', 1, [{ type: 'text', text: 'acme one' }]],
      ['default', 'demo', 1, [{ type: 'text', text: 'default one' }]],
    ]);
    expect(plan.deletes).toEqual([{ tenantId: 'acme', id: 'demo', at: at(4) }]);
  });

  it('marks each deleted conversation once, at its first delete', () => {
    const plan = planChunk(records(deleted('a', 1), deleted('a', 2)), from(0));
    expect(plan.deletes).toEqual([{ tenantId: 'default', id: 'a', at: at(1) }]);
  });

  it('maps a message event to every column of its row', () => {
    const event = appended('a', 4, 'hello');
    const [row] = planChunk([{ offset: 7, record: { kind: 'event', event } }], from(0)).messages;
    expect(row).toEqual({
      tenantId: 'default',
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
      actor: 'service:anonymous',
      tombstoneReason: null,
      eventId: event.event_id,
      insertedAt: event.occurred_at,
      offset: 7,
    });
  });
});

describe('planChunk participants', () => {
  it('takes the first list from the conversation.created that creates the row, as an initial list', () => {
    const plan = planChunk(records(createdWith('a', [alice, bot], 1), createdWith('a', [alice], 2)), from(0));
    expect(plan.participants).toEqual([
      { tenantId: 'default', conversationId: 'a', mode: 'initial', participants: [alice, bot], at: at(1) },
    ]);
  });

  it('lets a later participants_set in the same chunk win, whole list replacing the one before', () => {
    const plan = planChunk(
      records(
        createdWith('a', [alice, bot], 1),
        participantsSet('a', [bot], 2),
        appended('a', 1, 'x', 3),
        participantsSet('a', [alice], 4),
        participantsSet('b', [], 5),
      ),
      from(0),
    );
    expect(plan.participants).toEqual([
      { tenantId: 'default', conversationId: 'a', mode: 'replace', participants: [alice], at: at(4) },
      { tenantId: 'default', conversationId: 'b', mode: 'replace', participants: [], at: at(5) },
    ]);
    expect(plan.applied.get('conversation.participants_set')).toBe(3);
  });

  it('creates a row with the title and creator of its conversation.created, and none for another first event', () => {
    const creator = { tenant_id: 'default', id: 'ada', type: 'user' as const };
    const first = created('a', { k: 1 }, 1);
    const plan = planChunk(
      records({ ...first, data: { ...first.data, title: 'Draft', creator } }, updated('b', 1, 2)),
      from(0),
    );
    expect(plan.conversations).toEqual([
      { tenantId: 'default', id: 'a', metadata: { k: 1 }, title: 'Draft', creator, at: at(1), fork: null },
      { tenantId: 'default', id: 'b', metadata: {}, title: null, creator: null, at: at(2), fork: null },
    ]);
  });

  it('keeps per conversation the header update of the highest version, whatever the offset order', () => {
    const plan = planChunk(
      records(updated('a', 1, 1), updated('a', 3, 2), updated('a', 2, 3), updated('b', 1, 4)),
      from(0),
    );
    expect(plan.updates).toEqual([
      { tenantId: 'default', id: 'a', title: 'v3', metadata: { version: 3 }, archived: false, version: 3, at: at(2) },
      { tenantId: 'default', id: 'b', title: 'v1', metadata: { version: 1 }, archived: false, version: 1, at: at(4) },
    ]);
    expect(plan.applied.get('conversation.updated')).toBe(4);
  });

  it('ignores a create that comes after another event of the conversation, and participants below the stored offset', () => {
    const plan = planChunk(
      records(participantsSet('a', [bot], 1), appended('b', 1, 'x', 2), createdWith('b', [alice], 3)),
      from(101),
    );
    expect(plan.participants).toEqual([]);
  });

  it('writes an initial list only for a conversation row created now, a replacing list always', () => {
    const initial = (id: string): ParticipantsChange => ({
      tenantId: 'acme',
      conversationId: id,
      mode: 'initial',
      participants: [alice],
      at: at(1),
    });
    const replacing: ParticipantsChange = { ...initial('c'), mode: 'replace' };
    expect(participantListsToWrite([initial('new'), initial('old'), replacing], new Set(['acme/new']))).toEqual([
      initial('new'),
      replacing,
    ]);
  });
});

describe('planChunk with the fence rule', () => {
  const texts = (plan: ReturnType<typeof planChunk>) =>
    plan.messages.map((m) => [m.seq, (m.parts?.[0] as { text: string } | undefined)?.text ?? m.kind]);

  it('ignores an event of an epoch below a fence earlier in the chunk and applies the next one for its seq', () => {
    const plan = planChunk(
      records(
        appended('a', 1, 'one', 0, 1),
        fence(2),
        appended('a', 2, 'zombie', 0, 1),
        appended('a', 2, 'two', 0, 2),
        appended('a', 3, 'no epoch'),
      ),
      from(0),
    );
    expect(texts(plan)).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(plan.fenced).toEqual([
      { offset: 102, tenantId: 'default', conversationId: 'a', seq: 2, epoch: 1, fence: 2 },
      { offset: 104, tenantId: 'default', conversationId: 'a', seq: 3, epoch: 0, fence: 2 },
    ]);
    expect(plan.fence).toBe(2);
    expect(plan.applied).toEqual(new Map([['message.appended', 2]]));
  });

  it('starts from the stored fence: a chunk after the fence record still ignores the old epoch', () => {
    const plan = planChunk(records(appended('a', 3, 'zombie', 0, 1), appended('a', 3, 'three', 0, 2)), from(100, 2));
    expect(texts(plan)).toEqual([[3, 'three']]);
    expect(plan.fenced.map((f) => f.offset)).toEqual([100]);
    expect(plan.fence).toBe(2);
  });

  it('takes the fence of records below the stored offset from the stored position, not from the replayed records', () => {
    const plan = planChunk(
      records(fence(5), appended('a', 1, 'replayed', 0, 1), appended('a', 2, 'x', 0, 3)),
      from(102, 3),
    );
    expect(plan.replayed).toBe(1);
    expect(plan.fenced).toEqual([]);
    expect(texts(plan)).toEqual([[2, 'x']]);
    expect(plan.fence).toBe(3);
  });

  it('never lowers the fence, and a fence record is neither applied nor counted', () => {
    const plan = planChunk(records(fence(2), fence(1), appended('a', 1, 'old', 0, 1)), from(100, 0));
    expect(plan.fence).toBe(2);
    expect(plan.applied).toEqual(new Map());
    expect(plan.conversations).toEqual([]);
    expect(plan.fenced).toHaveLength(1);
  });

  it('ignores a fenced poison record entirely: its stand-in settles nothing and it is not quarantined', () => {
    const standIn = { ...tombstoned('a', 4) };
    const zombie: DecodedRecord = {
      kind: 'poison',
      reason: 'bad',
      standIn: { ...standIn, index_epoch: 1, data: { reason: 'quarantined' } },
    };
    const current: DecodedRecord = { kind: 'poison', reason: 'bad', standIn: null };
    const poison = (offset: number): PoisonRecord => ({
      offset,
      key: null,
      value: Buffer.from('x'),
      reason: 'bad',
      tenantId: null,
      conversationId: null,
      seq: null,
    });
    const plan = planChunk(records(zombie, current), from(100, 2), [poison(100), poison(101)]);
    expect(plan.messages).toEqual([]);
    expect(plan.fenced).toEqual([
      { offset: 100, tenantId: 'default', conversationId: 'a', seq: 4, epoch: 1, fence: 2 },
    ]);
    expect(plan.quarantined.map((p) => p.offset)).toEqual([101]);
  });
});

describe('splitIntoChunks', () => {
  it('splits in order into chunks of at most the given size', () => {
    expect(splitIntoChunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitIntoChunks([], 2)).toEqual([]);
  });
});
