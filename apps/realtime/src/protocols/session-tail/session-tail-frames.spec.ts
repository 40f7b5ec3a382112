import { messageOfEvent } from '@threadline/contracts';
import { appendedEvent, tombstonedEvent } from '../../../../../test/support/event-builder';
import { SubscriberOutput } from '../../stream/run-output';
import { entryFromEvent, MessageEntry } from '../../stream/stream-entry';
import { tailItemOf } from './session-tail-frames';

const AT = '2026-11-30T12:00:00.000Z';

function entryOf(event: ReturnType<typeof appendedEvent>): MessageEntry {
  const entry = entryFromEvent(event);
  if (entry?.kind !== 'message') {
    throw new Error('not a message');
  }
  return entry;
}

describe('tailItemOf', () => {
  it("gives back a session event appended on the session API, with the topic event's author", () => {
    const message = messageOfEvent(
      {
        type: 'state',
        payload: { step: 2 },
        source: 'planner',
        refs: { run: 'r1' },
        metadata: { m: 1 },
        idempotency_key: 'step-2',
      },
      'agent:planner',
    );
    const event = appendedEvent(
      's1',
      4,
      { ...message, token_count: 1 },
      null,
      { id: 'p1', seq: 9 },
      AT,
      'agent:planner',
    );
    expect(tailItemOf(entryOf(event))).toEqual({
      kind: 'event',
      event: {
        seq: 4,
        cursor: 4,
        type: 'state',
        payload: { step: 2 },
        actor: 'agent:planner',
        producer_id: 'p1',
        producer_seq: 9,
        source: 'planner',
        metadata: { m: 1 },
        refs: { run: 'r1' },
        idempotency_key: 'step-2',
        inserted_at: AT,
      },
    });
  });

  it('shows a message appended on the conversation API as type `message` with {role, parts}', () => {
    const event = appendedEvent('s1', 1, 'hello', null, null, AT, 'user:ada');
    expect(tailItemOf(entryOf(event))).toMatchObject({
      kind: 'event',
      event: {
        type: 'message',
        payload: { role: 'user', parts: [{ type: 'text', text: 'hello' }] },
        actor: 'user:ada',
        producer_id: null,
        producer_seq: null,
      },
    });
  });

  it('skips a tombstone and run outputs: they are no session events', () => {
    const tombstone = entryFromEvent(tombstonedEvent('s1', 3)) as SubscriberOutput;
    expect(tailItemOf(tombstone)).toBeNull();
    expect(
      tailItemOf({ kind: 'run_event', runId: 'run_a', seq: 1, event: { kind: 'text-delta', delta: 'x', run_seq: 1 } }),
    ).toBeNull();
  });

  it('makes a gap a frame with the cursor the client has and the cursor the tail goes on after', () => {
    expect(tailItemOf({ kind: 'gap', expected: 5, actual: 8 })).toEqual({
      kind: 'gap',
      frame: { type: 'gap', reason: 'seqs_missing', from_cursor: 4, next_cursor: 7 },
    });
  });

  it("ends the tail at the session's deletion", () => {
    expect(tailItemOf({ kind: 'deleted', seq: 6, lastSeq: 5 })).toEqual({ kind: 'end', lastSeq: 5 });
  });
});
