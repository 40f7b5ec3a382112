import {
  eventOfMessage,
  LoggedMessage,
  messageOfEvent,
  roleOfActor,
  SessionEventContent,
} from './event-message-mapping';

const logged = (message: LoggedMessage['message'], actor: string | null = 'agent:drafter'): LoggedMessage => ({
  seq: 7,
  message,
  actor,
  producerId: 'agent-drafter-1',
  producerSeq: 42,
  insertedAt: '2026-11-30T20:00:00.000Z',
});

const roundTrip = (event: SessionEventContent, actor = 'agent:drafter') =>
  eventOfMessage(logged(messageOfEvent(event, actor), actor));

describe('messageOfEvent', () => {
  it('stores a {text} payload as one text part spoken in the role of the actor', () => {
    expect(messageOfEvent({ type: 'content', payload: { text: 'Reviewing clause 4.2...' } }, 'agent:drafter')).toEqual({
      role: 'assistant',
      parts: [{ type: 'text', text: 'Reviewing clause 4.2...' }],
      metadata: { starcite: { type: 'content' } },
    });
  });

  it('stores any other payload whole as one data part, and keeps source, refs, metadata and idempotency key', () => {
    const message = messageOfEvent(
      {
        type: 'state',
        payload: { state: 'running', text: 'x' },
        source: 'worker',
        refs: { parent: 3 },
        metadata: { trace: 'abc' },
        idempotency_key: 'k1',
      },
      'user:ada',
    );
    expect(message).toEqual({
      role: 'user',
      parts: [{ type: 'data', data: { state: 'running', text: 'x' } }],
      metadata: {
        starcite: {
          type: 'state',
          source: 'worker',
          refs: { parent: 3 },
          metadata: { trace: 'abc' },
          idempotency_key: 'k1',
        },
      },
    });
  });

  it('maps agents to assistant, users to user and services to system', () => {
    expect([roleOfActor('agent:a'), roleOfActor('user:u'), roleOfActor('service:anonymous')]).toEqual([
      'assistant',
      'user',
      'system',
    ]);
  });
});

describe('eventOfMessage', () => {
  it('gives a session event back unchanged, with its seq as cursor and its producer pair', () => {
    expect(roundTrip({ type: 'content', payload: { text: 'hi' } })).toEqual({
      seq: 7,
      cursor: 7,
      type: 'content',
      payload: { text: 'hi' },
      actor: 'agent:drafter',
      producer_id: 'agent-drafter-1',
      producer_seq: 42,
      source: null,
      metadata: {},
      refs: {},
      idempotency_key: null,
      inserted_at: '2026-11-30T20:00:00.000Z',
    });
    expect(
      roundTrip({
        type: 'tool',
        payload: { name: 'grep', args: [1] },
        source: 's',
        refs: { a: 1 },
        metadata: { m: true },
        idempotency_key: 'grep-1',
      }),
    ).toMatchObject({
      type: 'tool',
      payload: { name: 'grep', args: [1] },
      source: 's',
      refs: { a: 1 },
      metadata: { m: true },
      idempotency_key: 'grep-1',
    });
  });

  it('keeps a payload that only looks like text ({text: 1}) as data, so it reads back unchanged', () => {
    expect(roundTrip({ type: 'content', payload: { text: 1 } }).payload).toEqual({ text: 1 });
    expect(roundTrip({ type: 'content', payload: {} }).payload).toEqual({});
  });

  it('reads a conversation message as type message with {role, parts} and its own metadata', () => {
    const parts = [
      { type: 'text', text: 'a' },
      { type: 'reasoning', text: 'b' },
    ];
    expect(eventOfMessage(logged({ role: 'user', parts, metadata: { lang: 'en' } }, 'user:ada'))).toMatchObject({
      type: 'message',
      payload: { role: 'user', parts },
      actor: 'user:ada',
      metadata: { lang: 'en' },
      refs: {},
      source: null,
    });
  });

  it('reads a message whose starcite metadata does not match its parts as a plain message', () => {
    const message = {
      role: 'assistant',
      parts: [{ type: 'text', text: 'a', extra: 1 }],
      metadata: { starcite: { type: 'content' } },
    };
    expect(eventOfMessage(logged(message)).type).toBe('message');
    expect(eventOfMessage(logged({ ...message, metadata: { starcite: { type: 5 } } })).type).toBe('message');
  });
});
