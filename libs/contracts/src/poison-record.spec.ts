import { appendedEvent } from '../../../test/support/event-builder';
import { decodeRecord } from './poison-record';

const base = appendedEvent('chat-1', 4, 'hi', null);
const record = (value: unknown) => ({
  value: typeof value === 'string' ? Buffer.from(value) : Buffer.from(JSON.stringify(value)),
  timestamp: String(Date.parse('2026-11-30T00:00:00.000Z')),
});

describe('the poison rule', () => {
  it('decodes a valid event as itself', () => {
    expect(decodeRecord(record(base))).toMatchObject({ kind: 'event', event: { seq: 4 } });
  });

  it('makes a record with a NUL in its message a quarantined tombstone at the seq its envelope names', () => {
    const poisoned = { ...base, data: { ...base.data, message: { role: 'user\u0000', parts: [] } } };
    const decoded = decodeRecord(record(poisoned));
    expect(decoded).toMatchObject({
      kind: 'poison',
      standIn: {
        type: 'message.tombstoned',
        conversation_id: 'chat-1',
        seq: 4,
        event_id: base.event_id,
        occurred_at: base.occurred_at,
        data: { reason: 'quarantined' },
      },
    });
    expect(decoded.kind === 'poison' && decoded.reason).toContain('data.message.role');
  });

  it('settles the seq in the tenant a version-2 envelope names, and in the default tenant for version 1', () => {
    const poisoned = { ...base, data: null };
    expect(decodeRecord(record({ ...poisoned, schema_version: 2, tenant_id: 'acme' }))).toMatchObject({
      standIn: { schema_version: 2, tenant_id: 'acme', conversation_id: 'chat-1', seq: 4 },
    });
    expect(decodeRecord(record(poisoned))).toMatchObject({
      standIn: { schema_version: 2, tenant_id: 'default', conversation_id: 'chat-1', seq: 4 },
    });
  });

  it('gives every consumer the same stand-in for the same bytes, even without a usable event id or time', () => {
    const value = JSON.stringify({ conversation_id: 'chat-1', seq: 9, event_id: 'nope', occurred_at: 'later' });
    const [a, b] = [decodeRecord(record(value)), decodeRecord(record(value))];
    expect(a).toEqual(b);
    expect(a).toMatchObject({ standIn: { seq: 9, occurred_at: '2026-11-30T00:00:00.000Z' } });
    expect(a.kind === 'poison' && a.standIn?.event_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it.each([
    ['not JSON', '{"seq":'],
    ['an empty value', null],
    ['no seq', { ...base, seq: undefined, data: null }],
    ['a conversation id no API would accept', { ...base, conversation_id: '../x', data: null }],
    ['a tenant id no credential could carry', { ...base, schema_version: 2, tenant_id: 'a/b', data: null }],
    ['a seq below 1', { ...base, seq: 0, data: null }],
  ])('settles no seq for %s', (_name, value) => {
    const decoded = decodeRecord(value === null ? { value: null, timestamp: '0' } : record(value));
    expect(decoded).toMatchObject({ kind: 'poison', standIn: null });
  });
});
