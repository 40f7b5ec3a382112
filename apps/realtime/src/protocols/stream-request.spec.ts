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

  it('describes a rejected value briefly, even JSON nested too deep to stringify', () => {
    let deep: unknown = 1;
    for (let depth = 0; depth < 100_000; depth += 1) {
      deep = [deep];
    }
    expect(parseCursor(deep)).toEqual({ ok: false, message: expect.stringMatching(/got an array$/) });
    expect(parseCursor({ seq: 1 })).toEqual({ ok: false, message: expect.stringMatching(/got an object$/) });
    expect(parseCursor('x'.repeat(10_000))).toEqual({
      ok: false,
      message: expect.stringMatching(/got "x{40}\.\.\."$/),
    });
    expect(parseCursor(-1)).toEqual({ ok: false, message: expect.stringMatching(/got -1$/) });
  });
});

describe('parseStreamRequest', () => {
  it('returns the conversation and cursor', () => {
    expect(parseStreamRequest('conv-1', '5')).toEqual({
      ok: true,
      request: { conversationId: 'conv-1', cursor: 5, runCursors: new Map() },
    });
  });

  it('names a bad id or a bad cursor', () => {
    expect(parseStreamRequest('-bad', undefined)).toMatchObject({ ok: false, error: 'invalid_conversation_id' });
    expect(parseStreamRequest('good', 'x')).toMatchObject({ ok: false, error: 'invalid_cursor' });
  });
});
