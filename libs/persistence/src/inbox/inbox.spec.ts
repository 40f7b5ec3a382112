import { decodeInboxCursor, encodeInboxCursor } from './inbox-cursor';
import { INBOX_PREVIEW_CHARS, previewOf, toInboxEntry } from './inbox-entry';

describe('inbox cursor', () => {
  it('round-trips the activity with its microseconds and the id', () => {
    const cursor = { activity: '2026-11-30 16:55:12.123456+00', id: 'c/1' };
    expect(decodeInboxCursor(encodeInboxCursor(cursor))).toEqual(cursor);
  });

  it('refuses what it did not make', () => {
    expect(decodeInboxCursor('not a cursor')).toBeNull();
    expect(decodeInboxCursor(Buffer.from('["yesterday","c"]').toString('base64url'))).toBeNull();
    expect(decodeInboxCursor(Buffer.from('{"a":1}').toString('base64url'))).toBeNull();
  });
});

describe('inbox entry', () => {
  it('previews the first text part, cut at the limit in code points, and nothing for a message without text', () => {
    expect(
      previewOf([
        { type: 'data', data: {} },
        { type: 'text', text: 'hi' },
      ]),
    ).toBe('hi');
    const long = '😀'.repeat(INBOX_PREVIEW_CHARS + 5);
    expect(Array.from(previewOf([{ type: 'text', text: long }]) ?? '')).toHaveLength(INBOX_PREVIEW_CHARS);
    expect(previewOf([{ type: 'data', data: {} }])).toBeNull();
    expect(previewOf(null)).toBeNull();
  });

  it('maps a row, a conversation never read having read_seq 0', () => {
    expect(
      toInboxEntry({
        conversation_id: 'c1',
        unread_count: '3',
        last_seq: '7',
        activity: new Date('2026-11-30T12:00:00.000Z'),
        activity_text: '2026-11-30 12:00:00+00',
        last_sender: 'agent:bot',
        last_parts: [{ type: 'text', text: 'hello' }],
        read_seq: null,
      }),
    ).toEqual({
      id: 'c1',
      unread_count: 3,
      last_seq: 7,
      last_activity_at: '2026-11-30T12:00:00.000Z',
      last_sender: 'agent:bot',
      preview: 'hello',
      read_seq: 0,
    });
  });
});
