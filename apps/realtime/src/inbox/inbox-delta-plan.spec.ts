import {
  appendedEvent,
  createdEvent,
  createdWithParticipants,
  participantsSetEvent,
  tombstonedEvent,
} from '../../../../test/support/event-builder';
import {
  changesInbox,
  ChangedConversation,
  conversationsPerOwner,
  laterChange,
  passedByProjector,
} from './inbox-delta-plan';

const change = (conversationId: string, partition: number, offset: number): ChangedConversation => ({
  tenantId: 'acme',
  conversationId,
  at: { partition, offset },
});
const committed = (conversationId: string): ChangedConversation => ({ tenantId: 'acme', conversationId, at: null });

describe('changesInbox', () => {
  it('takes appends and participant lists, not tombstones or a create without participants', () => {
    const created = createdEvent('c');
    expect(changesInbox(appendedEvent('c', 1, 'x', null))).toBe(true);
    expect(changesInbox(participantsSetEvent('c', []))).toBe(true);
    expect(changesInbox(createdWithParticipants('c', []))).toBe(true);
    expect(changesInbox(created)).toBe(false);
    expect(changesInbox(tombstonedEvent('c', 1))).toBe(false);
  });
});

describe('passedByProjector', () => {
  it("holds back a change until the projector's next offset in its partition is past it", () => {
    const { ready, waiting } = passedByProjector(
      [change('a', 0, 4), change('b', 0, 5), change('c', 1, 0), committed('d')],
      new Map([[0, 5]]),
    );
    expect(ready.map((c) => c.conversationId)).toEqual(['a', 'd']);
    expect(waiting.map((c) => c.conversationId)).toEqual(['b', 'c']);
  });
});

describe('laterChange', () => {
  it('keeps the change that waits for the projector longest', () => {
    expect(laterChange(undefined, committed('a'))).toEqual(committed('a'));
    expect(laterChange(committed('a'), change('a', 0, 3))).toEqual(change('a', 0, 3));
    expect(laterChange(change('a', 0, 3), committed('a'))).toEqual(change('a', 0, 3));
    expect(laterChange(change('a', 0, 3), change('a', 0, 7))).toEqual(change('a', 0, 7));
    expect(laterChange(change('a', 0, 7), change('a', 0, 3))).toEqual(change('a', 0, 7));
  });
});

describe('conversationsPerOwner', () => {
  it("gives each owner the changed conversations it is in, as its own kind or any kind for a service's view", () => {
    const aliceUser = { tenantId: 'acme', participantId: 'alice', kind: 'user' as const };
    const aliceAny = { tenantId: 'acme', participantId: 'alice', kind: null };
    const bob = { tenantId: 'acme', participantId: 'bob', kind: 'user' as const };
    const perOwner = conversationsPerOwner(
      [aliceUser, aliceAny, bob],
      [
        { conversation_id: 'c1', participant_id: 'alice', kind: 'user' },
        { conversation_id: 'c2', participant_id: 'alice', kind: 'agent' },
      ],
    );
    expect(perOwner.get(aliceUser)).toEqual(['c1']);
    expect(perOwner.get(aliceAny)).toEqual(['c1', 'c2']);
    expect(perOwner.has(bob)).toBe(false);
  });
});
