import { parseSessionTailRequest } from './session-tail-request';

describe('parseSessionTailRequest', () => {
  it('defaults to cursor 0 (from the start) and batch size 1, and takes numbers or digit strings', () => {
    expect(parseSessionTailRequest('ses_1', undefined, undefined)).toEqual({
      ok: true,
      request: { sessionId: 'ses_1', cursor: 0, batchSize: 1 },
    });
    expect(parseSessionTailRequest('ses_1', '12', '1000')).toEqual({
      ok: true,
      request: { sessionId: 'ses_1', cursor: 12, batchSize: 1000 },
    });
    expect(parseSessionTailRequest('ses_1', 3, 50)).toMatchObject({ request: { cursor: 3, batchSize: 50 } });
  });

  it.each([
    ['-bad', undefined, undefined, 'invalid_session_id'],
    ['ses_1', '-1', undefined, 'invalid_cursor'],
    ['ses_1', 1.5, undefined, 'invalid_cursor'],
    ['ses_1', undefined, '0', 'invalid_limit'],
    ['ses_1', undefined, 1001, 'invalid_limit'],
    ['ses_1', undefined, 2.5, 'invalid_limit'],
    ['ses_1', undefined, 'ten', 'invalid_limit'],
    ['ses_1', undefined, [2], 'invalid_limit'],
  ])('refuses id %j, cursor %j, batch_size %j with %s', (id, cursor, batchSize, error) => {
    expect(parseSessionTailRequest(id, cursor, batchSize)).toEqual({
      ok: false,
      error,
      message: expect.any(String) as string,
    });
  });
});
