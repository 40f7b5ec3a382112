import { classifyAnswer, responseExcerpt } from './attempt-outcome';

const answer = (status: number, body = '', retryAfterMs: number | null = null) => ({ status, body, retryAfterMs });

describe('classifyAnswer', () => {
  it('takes a 2xx with messages as a reply to append', () => {
    const body = JSON.stringify({ messages: [{ role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }] });
    expect(classifyAnswer(answer(200, body))).toEqual({
      kind: 'reply',
      messages: [{ role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }],
    });
  });

  it('takes an empty 2xx, a 202 or an object without messages as succeeded (the agent replies later)', () => {
    expect(classifyAnswer(answer(200))).toEqual({ kind: 'succeeded' });
    expect(classifyAnswer(answer(204))).toEqual({ kind: 'succeeded' });
    expect(classifyAnswer(answer(202, '{"messages": "later"}'))).toEqual({ kind: 'succeeded' });
    expect(classifyAnswer(answer(200, '{"ok": true}'))).toEqual({ kind: 'succeeded' });
  });

  it('fails a malformed reply without retry, naming what is wrong', () => {
    expect(classifyAnswer(answer(200, 'not json'))).toMatchObject({ kind: 'failed', error: /not JSON/ });
    expect(classifyAnswer(answer(200, '{"messages":[{"role":"assistant"}]}'))).toMatchObject({
      kind: 'failed',
      error: /messages\.0\.parts/,
    });
  });

  it.each([408, 429, 500, 502, 503])('retries HTTP %d', (status) => {
    expect(classifyAnswer(answer(status, '', 2000))).toEqual({
      kind: 'retry',
      error: `HTTP ${status}`,
      retryAfterMs: 2000,
    });
  });

  it.each([400, 401, 404, 410, 413, 422, 301])('fails HTTP %d at once', (status) => {
    expect(classifyAnswer(answer(status))).toMatchObject({ kind: 'failed' });
  });

  it('keeps the first 512 bytes of a body', () => {
    expect(Buffer.byteLength(responseExcerpt('x'.repeat(2000)))).toBe(512);
    expect(responseExcerpt('short')).toBe('short');
  });
});
