import { DataSource } from 'typeorm';
import { InboxEntry, InboxOwner, InboxReader, StoredPosition } from '@threadline/persistence';
import { appendedEvent } from '../../../../test/support/event-builder';
import { ConversationHub } from '../live/conversation-hub';
import { ProjectorPosition } from '../live/projector-position';
import { INBOX_DELTA_INTERVAL_MS, InboxDeltas, RECENT_CHANGES_MS } from './inbox-deltas';
import { MembershipRow } from './inbox-delta-plan';

const entry = (id: string): InboxEntry => ({
  id,
  unread_count: 1,
  last_seq: 1,
  last_activity_at: '2026-11-30T12:00:00.000Z',
  last_sender: 'user:bob',
  preview: 'hi',
  read_seq: 0,
});

/** InboxDeltas over a real hub, with the projector's position, the memberships and the entries faked. */
function setup() {
  const hub = new ConversationHub();
  const projector = { nextOffset: 0 };
  const members: MembershipRow[] = [];
  const reads: Array<{ owner: InboxOwner; ids: readonly string[] }> = [];
  const reader = {
    entries: (owner: InboxOwner, ids: readonly string[]) => {
      reads.push({ owner, ids });
      return Promise.resolve(ids.map(entry));
    },
  } as unknown as InboxReader;
  const position = {
    of: (): Promise<StoredPosition> => Promise.resolve({ nextOffset: projector.nextOffset, indexFence: 0 }),
  } as unknown as ProjectorPosition;
  const dataSource = { query: () => Promise.resolve(members) } as unknown as DataSource;
  const deltas = new InboxDeltas(hub, reader, position, dataSource);
  const append = (tenantId: string, conversationId: string, offset: number) =>
    hub.publish(appendedEvent({ tenantId, conversationId }, 1, 'hi', null), { partition: 0, offset });
  return { hub, projector, members, reads, deltas, append };
}

describe('InboxDeltas', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends a subscribed inbox its changed conversations once a tick, only after the projector passed the event', async () => {
    const t = setup();
    const received: InboxEntry[][] = [];
    t.deltas.subscribe({ tenantId: 'acme', participantId: 'alice', kind: 'user' }, (e) => received.push(e));
    t.members.push({ conversation_id: 'c1', participant_id: 'alice', kind: 'user' });
    t.deltas.onApplicationBootstrap();
    t.append('acme', 'c1', 5);
    t.append('acme', 'c1', 6);

    t.projector.nextOffset = 6;
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toEqual([]);

    t.projector.nextOffset = 7;
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toEqual([[entry('c1')]]);

    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toHaveLength(1);
    await t.deltas.onApplicationShutdown();
  });

  it('ignores tenants without subscribers, conversations the inbox is not in, and stops after unsubscribing', async () => {
    const t = setup();
    const received: InboxEntry[][] = [];
    const stop = t.deltas.subscribe({ tenantId: 'acme', participantId: 'alice', kind: 'user' }, (e) =>
      received.push(e),
    );
    t.members.push({ conversation_id: 'c1', participant_id: 'alice', kind: 'agent' });
    t.projector.nextOffset = 100;
    t.deltas.onApplicationBootstrap();
    t.append('globex', 'c9', 1);
    t.append('acme', 'c1', 2);
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toEqual([]);
    expect(t.reads).toEqual([]);

    t.members[0].kind = 'user';
    stop();
    t.append('acme', 'c1', 3);
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toEqual([]);
    await t.deltas.onApplicationShutdown();
  });

  it('sends a read cursor change on the next tick without waiting for the projector', async () => {
    const t = setup();
    const received: InboxEntry[][] = [];
    t.deltas.subscribe({ tenantId: 'acme', participantId: 'alice', kind: null }, (e) => received.push(e));
    t.members.push({ conversation_id: 'c1', participant_id: 'alice', kind: 'user' });
    t.deltas.onApplicationBootstrap();
    t.deltas.noteReadCursor('acme', 'c1');
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toEqual([[entry('c1')]]);
    await t.deltas.onApplicationShutdown();
  });

  it('sends an inbox subscribed after the hub saw a change the delta of it once the projector passed it', async () => {
    const t = setup();
    const received: InboxEntry[][] = [];
    t.members.push({ conversation_id: 'c1', participant_id: 'alice', kind: 'user' });
    t.deltas.onApplicationBootstrap();
    t.append('acme', 'c1', 5);
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    t.deltas.subscribe({ tenantId: 'acme', participantId: 'alice', kind: 'user' }, (e) => received.push(e));
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toEqual([]);
    t.projector.nextOffset = 6;
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toEqual([[entry('c1')]]);
    await t.deltas.onApplicationShutdown();
  });

  it('does not send a new subscription changes older than RECENT_CHANGES_MS, nor those of another tenant', async () => {
    const t = setup();
    const received: InboxEntry[][] = [];
    t.members.push({ conversation_id: 'c1', participant_id: 'alice', kind: 'user' });
    t.projector.nextOffset = 100;
    t.deltas.onApplicationBootstrap();
    t.append('acme', 'c1', 5);
    await jest.advanceTimersByTimeAsync(RECENT_CHANGES_MS + 1);
    t.append('globex', 'c1', 6);
    t.deltas.subscribe({ tenantId: 'acme', participantId: 'alice', kind: 'user' }, (e) => received.push(e));
    await jest.advanceTimersByTimeAsync(INBOX_DELTA_INTERVAL_MS);
    expect(received).toEqual([]);
    await t.deltas.onApplicationShutdown();
  });
});
