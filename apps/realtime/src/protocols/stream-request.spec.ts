import { parseCursor, parseStreamRequest } from './stream-request';

describe('parseCursor', () => {
  it.each([
    [undefined, null],
    ['', null],
    [0, 0],
    [42, 42],
    ['17', 17],
    [' 9 ', 9],
  ])('accepts %p as %p', (value, cursor) => {
    expect(parseCursor(value)).toEqual({ ok: true, cursor });
  });

  it.each([
    [-1],
    [1.5],
    ['abc'],
    ['-3'],
    ['1e3'],
    [null],
    [{ seq: 1 }],
    [Number.MAX_SAFE_INTEGER + 2],
    ['99999999999999999'],
  ])('rejects %p', (value) => {
    expect(parseCursor(value).ok).toBe(false);
  });
});

describe('parseStreamRequest', () => {
  it('returns the conversation and cursor', () => {
    expect(parseStreamRequest('conv-1', '5')).toEqual({ ok: true, request: { conversationId: 'conv-1', cursor: 5 } });
  });

  it('names a bad id or a bad cursor', () => {
    expect(parseStreamRequest('-bad', undefined)).toMatchObject({ ok: false, error: 'invalid_conversation_id' });
    expect(parseStreamRequest('good', 'x')).toMatchObject({ ok: false, error: 'invalid_cursor' });
  });
});
