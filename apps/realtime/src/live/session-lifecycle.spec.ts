import { appendedEvent, createdEvent, updatedEvent } from '../../../../test/support/event-builder';
import { ConversationHub } from './conversation-hub';
import { lifecycleFrameOf, SessionLifecycleFrame } from './session-lifecycle';
import { SessionLifecycleHub } from './session-lifecycle-hub';

const AT = '2026-11-30T12:00:00.000Z';

const updated = (archived: boolean, previous: boolean | undefined, tenant = 'acme') =>
  updatedEvent(
    { tenantId: tenant, conversationId: 's1' },
    {
      title: 'T',
      metadata: { k: 1 },
      archived,
      version: 3,
      ...(previous === undefined ? {} : { previous_archived: previous }),
    },
    null,
    AT,
  );

describe('lifecycleFrameOf', () => {
  it('makes a create session.created, with its creator', () => {
    const event = createdEvent({ tenantId: 'acme', conversationId: 's1' }, { k: 'v' }, AT);
    event.data.title = 'Draft';
    event.data.creator = { tenant_id: 'acme', id: 'ada', type: 'user' };
    expect(lifecycleFrameOf(event)).toEqual({
      type: 'session.created',
      session: {
        id: 's1',
        title: 'Draft',
        metadata: { k: 'v' },
        archived: false,
        version: 0,
        created_at: AT,
        creator_principal: { tenant_id: 'acme', id: 'ada', type: 'user' },
      },
    });
  });

  it.each([
    [true, false, 'session.archived'],
    [false, true, 'session.unarchived'],
    [true, true, 'session.updated'],
    [false, false, 'session.updated'],
    [true, undefined, 'session.updated'],
  ] as const)('makes an update to archived=%s from %s a %s', (archived, previous, type) => {
    expect(lifecycleFrameOf(updated(archived, previous))).toEqual({
      type,
      session: { id: 's1', title: 'T', metadata: { k: 1 }, archived, version: 3, updated_at: AT },
    });
  });

  it('has no frame for an append', () => {
    expect(lifecycleFrameOf(appendedEvent('s1', 1, 'hi', null))).toBeNull();
  });
});

describe('SessionLifecycleHub', () => {
  it("hands a tenant's frames to that tenant's listeners only, until they stop", () => {
    const hub = new ConversationHub();
    const lifecycle = new SessionLifecycleHub(hub);
    const acme: SessionLifecycleFrame[] = [];
    const globex: SessionLifecycleFrame[] = [];
    const stop = lifecycle.subscribe('acme', (frame) => acme.push(frame));
    lifecycle.subscribe('globex', (frame) => globex.push(frame));
    const at = { partition: 0, offset: 0 };

    hub.publish(updated(true, false), at);
    hub.publish(appendedEvent({ tenantId: 'acme', conversationId: 's1' }, 1, 'hi', null), at);
    stop();
    hub.publish(updated(false, true), at);

    expect(acme.map((frame) => frame.type)).toEqual(['session.archived']);
    expect(globex).toEqual([]);
  });
});
