import { UnavailableError, ValidationError } from '../errors';
import { Transport } from './transport';

/** A fetch that answers from a script, one answer a call, and counts the calls. */
function scripted(...answers: [number, object][]) {
  const calls: string[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : input.toString();
    calls.push(`${init?.method} ${url}`);
    const [status, body] = answers[Math.min(calls.length - 1, answers.length - 1)];
    return new Response(JSON.stringify(body), { status, headers: { 'retry-after': '0' } });
  };
  return { fetch, calls };
}

const transport = (fetch: typeof globalThis.fetch) =>
  new Transport({ baseUrl: 'http://api', fetch, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 } });

describe('Transport retries', () => {
  it('retries a request that is safe to repeat after a 503 whose write may have landed', async () => {
    const { fetch, calls } = scripted([503, { error: 'kafka_timeout', message: 'x' }], [201, { seq: 1 }]);
    await expect(transport(fetch).request('POST', '/append', { idempotent: true, body: {} })).resolves.toEqual({
      seq: 1,
    });
    expect(calls).toHaveLength(2);
  });

  it('does not repeat a request that is not safe to repeat after such a 503', async () => {
    const { fetch, calls } = scripted([503, { error: 'kafka_timeout', message: 'x' }], [201, {}]);
    const error = await transport(fetch)
      .request('POST', '/runs', { idempotent: false, body: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(calls).toHaveLength(1);
  });

  it('repeats any request after a 503 that says nothing was done, or a 429', async () => {
    const { fetch, calls } = scripted(
      [503, { error: 'index_busy', message: 'x' }],
      [429, { error: 'rate_limited', message: 'x', retry_after_ms: 1 }],
      [201, { run_id: 'run_1' }],
    );
    await expect(transport(fetch).request('POST', '/runs', { idempotent: false, body: {} })).resolves.toEqual({
      run_id: 'run_1',
    });
    expect(calls).toHaveLength(3);
  });

  it('never repeats a refusal: a 400 is a ValidationError naming the field', async () => {
    const { fetch, calls } = scripted([400, { error: 'invalid_message', message: 'message.parts: must not be empty' }]);
    const error = await transport(fetch)
      .request('POST', '/append', { idempotent: true, body: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('message.parts');
    expect(calls).toHaveLength(1);
  });
});
