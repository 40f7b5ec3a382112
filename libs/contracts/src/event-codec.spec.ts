import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEvent, encodeEvent, UndecodableEventError } from './event-codec';
import { appendedEvent } from '../../../test/support/event-builder';
import { conversationEventJsonSchema } from './json-schema';

const event = appendedEvent('chat-1', 3, 'hi', null);

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
