import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEvent, encodeEvent, UndecodableEventError } from './event-codec';
import { MessageAppendedEvent } from './event-envelope';
import { legacyEventValue } from '../../../test/support/event-builder';
import { conversationEventJsonSchema } from './json-schema';

const event: MessageAppendedEvent = {
  schema_version: 2,
  tenant_id: 'acme',
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
    actor: 'agent:planner',
  },
};

/** The same append as written before tenants: schema_version 1, no tenant_id, no actor. */
const legacyEvent = JSON.parse(legacyEventValue(event).toString('utf8')) as Record<string, unknown>;
const legacyData = legacyEvent.data as Record<string, unknown>;

describe('event codec', () => {
  it('keys by the conversation key and sets type, version and content-type headers', () => {
    const encoded = encodeEvent(event);
    expect(encoded.key).toBe('acme/chat-1');
    expect(encoded.headers).toEqual({
      'tl-event-type': 'message.appended',
      'tl-schema-version': '2',
      'content-type': 'application/json',
    });
    expect(decodeEvent(encoded.value)).toEqual(event);
  });

  it('keys a default-tenant event by its bare id, as before tenants (same partition)', () => {
    expect(encodeEvent({ ...event, tenant_id: 'default' }).key).toBe('chat-1');
  });

  it('decodes a version-1 event as the version-2 event of the default tenant with no actor', () => {
    expect(decodeEvent(Buffer.from(JSON.stringify(legacyEvent)))).toEqual({
      ...event,
      tenant_id: 'default',
      data: { ...event.data, actor: null },
    });
  });

  it.each([
    ['a created event', { ...legacyEvent, type: 'conversation.created', data: { metadata: {} } }],
    ['a tombstone', { ...legacyEvent, type: 'message.tombstoned', data: { reason: 'abandoned' } }],
  ])('normalises %s of version 1 to the default tenant', (_name, legacy) => {
    expect(decodeEvent(Buffer.from(JSON.stringify(legacy)))).toMatchObject({ schema_version: 2, tenant_id: 'default' });
  });

  it.each([
    ['null', null],
    ['not JSON', Buffer.from('{')],
    ['unknown type', Buffer.from(JSON.stringify({ ...event, type: 'message.exploded' }))],
    ['newer schema version', Buffer.from(JSON.stringify({ ...event, schema_version: 3 }))],
    ['a version-2 event without a tenant', Buffer.from(JSON.stringify({ ...legacyEvent, schema_version: 2 }))],
    ['a version-2 append without an actor', Buffer.from(JSON.stringify({ ...event, data: legacyData }))],
    ['a tenant id holding "/"', Buffer.from(JSON.stringify({ ...event, tenant_id: 'a/b' }))],
    ['a conversation id holding "/"', Buffer.from(JSON.stringify({ ...event, conversation_id: 'a/b' }))],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeEvent(value)).toThrow(UndecodableEventError);
  });

  it('publishes the JSON Schema in docs/events.schema.json exactly as the code defines it', () => {
    const published = JSON.parse(readFileSync(join(__dirname, '../../../docs/events.schema.json'), 'utf8')) as unknown;
    expect(published).toEqual(conversationEventJsonSchema());
  });
});
