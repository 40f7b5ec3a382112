import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEvent, encodeEvent, UndecodableEventError } from './event-codec';
import { MessageAppendedEvent } from './event-envelope';
import { conversationEventJsonSchema } from './json-schema';

const event: MessageAppendedEvent = {
  schema_version: 1,
  event_id: '7b0c7f5e-5d2c-4a4e-9d55-2f1a7f0c1a11',
  conversation_id: 'chat-1',
  occurred_at: '2026-11-23T12:00:00.000Z',
  type: 'message.appended',
  seq: 3,
  data: {
    version: 3,
    message: { role: 'user', parts: [{ type: 'text', text: 'hi' }], metadata: {}, token_count: 0 },
    producer_id: null,
    producer_seq: null,
  },
};

describe('event codec', () => {
  it('keys by conversation id and sets type, version and content-type headers', () => {
    const encoded = encodeEvent(event);
    expect(encoded.key).toBe('chat-1');
    expect(encoded.headers).toEqual({
      'tl-event-type': 'message.appended',
      'tl-schema-version': '1',
      'content-type': 'application/json',
    });
    expect(decodeEvent(encoded.value)).toEqual(event);
  });

  it.each([
    ['null', null],
    ['not JSON', Buffer.from('{')],
    ['unknown type', Buffer.from(JSON.stringify({ ...event, type: 'message.exploded' }))],
    ['newer schema version', Buffer.from(JSON.stringify({ ...event, schema_version: 2 }))],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeEvent(value)).toThrow(UndecodableEventError);
  });

  it('publishes the JSON Schema in docs/events.schema.json exactly as the code defines it', () => {
    const published = JSON.parse(readFileSync(join(__dirname, '../../../docs/events.schema.json'), 'utf8')) as unknown;
    expect(published).toEqual(conversationEventJsonSchema());
  });
});
