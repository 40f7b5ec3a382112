import { ApiError } from '@threadline/errors';
import { decodeListCursor, encodeListCursor, parseListRequest } from './list-query';

const position = { createdAt: '2026-11-30T20:00:00.123456Z', id: 'ses_a:b.c' };

const codeOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as ApiError).code;
  }
  return 'none';
};

describe('list cursor', () => {
  it('gives back the position it was made from', () => {
    expect(decodeListCursor(encodeListCursor(position))).toEqual(position);
  });

  it('refuses anything it did not make with invalid_cursor', () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      'not base64 ~~',
      encode({ createdAt: position.createdAt, id: 'x' }),
      encode([position.createdAt]),
      encode(['2026-11-30T20:00:00Z', 'x']),
      encode(['2026-13-45T20:00:00.000000Z', 'x']),
      encode([position.createdAt, '']),
      encode([position.createdAt, 5]),
    ]) {
      expect(codeOf(() => decodeListCursor(cursor))).toBe('invalid_cursor');
    }
  });
});

describe('parseListRequest', () => {
  it('defaults to 100 unarchived conversations from the start, unfiltered', () => {
    expect(parseListRequest({})).toEqual({ limit: 100, after: null, archived: false, metadata: {} });
  });

  it('reads limit, cursor, archived and every metadata.KEY filter', () => {
    expect(
      parseListRequest({
        limit: '25',
        cursor: encodeListCursor(position),
        archived: 'all',
        'metadata.tenant_id': 'acme',
        'metadata.a.b': '1',
      }),
    ).toEqual({ limit: 25, after: position, archived: null, metadata: { tenant_id: 'acme', 'a.b': '1' } });
    expect(parseListRequest({ archived: 'true' }).archived).toBe(true);
  });

  it('answers each bad parameter with the code of its kind', () => {
    expect(codeOf(() => parseListRequest({ limit: '0' }))).toBe('invalid_query');
    expect(codeOf(() => parseListRequest({ limit: '1001' }))).toBe('invalid_query');
    expect(codeOf(() => parseListRequest({ limit: '2.5' }))).toBe('invalid_query');
    expect(codeOf(() => parseListRequest({ archived: 'yes' }))).toBe('invalid_query');
    expect(codeOf(() => parseListRequest({ sort: 'id' }))).toBe('invalid_query');
    expect(codeOf(() => parseListRequest({ 'metadata.': 'x' }))).toBe('invalid_query');
    expect(codeOf(() => parseListRequest({ 'metadata.k': ['a', 'b'] }))).toBe('invalid_metadata');
    expect(codeOf(() => parseListRequest({ cursor: 'zz' }))).toBe('invalid_cursor');
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`metadata.k${i}`, 'v']));
    expect(codeOf(() => parseListRequest(many))).toBe('invalid_metadata');
  });
});
