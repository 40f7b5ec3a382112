import { randomUUID } from 'node:crypto';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';

/**
 * Reproductions of poison input: what no store can keep (NUL, unpaired surrogates,
 * hostile nesting, a token count Postgres cannot hold) used to answer 201 or 500
 * and then freeze the projection of its whole partition. Each is refused with a
 * 400 naming the field, changes nothing, and the conversations that share its
 * partition keep projecting (a strong read of them stays `strong`).
 */
const stack = new CommandStack('poison-input', 1, { KAFKA_TOPIC_PARTITIONS: '1', READ_WAIT_MS: '10000' });

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

const newId = () => `conv-${randomUUID()}`;
const append = (id: string, body: unknown) => api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, body);

const refused: [string, unknown, number, string, string][] = [
  [
    'a NUL role',
    { message: { role: '\u0000', parts: [{ type: 'text', text: 'x' }] } },
    400,
    'invalid_message',
    'message.role',
  ],
  ['a text part holding NUL', { message: textMessage('a\u0000b') }, 400, 'invalid_message', 'message.parts.0.text'],
  ['a lone high surrogate', { message: textMessage('\ud800') }, 400, 'invalid_message', 'message.parts.0.text'],
  ['a lone low surrogate role', { message: textMessage('x', '\udfff') }, 400, 'invalid_message', 'message.role'],
  [
    'a NUL in a metadata key',
    { message: { ...textMessage('x'), metadata: { 'k\u0000': 1 } } },
    400,
    'invalid_metadata',
    'message.metadata.k\u0000',
  ],
  [
    'a lone surrogate deep in metadata',
    { message: { ...textMessage('x'), metadata: { a: [{ b: '\udc00' }] } } },
    400,
    'invalid_metadata',
    'message.metadata.a.0.b',
  ],
  [
    'a token count above what Postgres stores',
    { message: { ...textMessage('x'), token_count: 2 ** 31 } },
    400,
    'invalid_message',
    'message.token_count',
  ],
];

describe('input no store can keep', () => {
  it.each(refused)(
    'refuses %s with a 400 naming the field, and changes nothing',
    async (_name, body, status, code, field) => {
      const id = newId();
      expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
      const res = await append(id, body);
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(code);
      expect(res.body.message).toContain(field);
      const record = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}`);
      expect(record.body).toMatchObject({ version: 0, last_seq: 0 });
    },
  );

  it('refuses a body nested 5,000 arrays deep with a 400 (was a 500), and changes nothing', async () => {
    const id = newId();
    await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {});
    const deep = `${'['.repeat(5000)}"bottom"${']'.repeat(5000)}`;
    const raw = `{"message":{"role":"user","parts":[{"type":"data","data":${deep}}]}}`;
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, undefined, raw);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_message' });
    expect(res.body.message).toContain('nesting deeper than 64 levels');
    expect((await api(stack.baseUrl, 'GET', `/v1/conversations/${id}`)).body).toMatchObject({ version: 0 });
  });

  it('refuses conversation metadata with NUL or an unpaired surrogate, naming the field', async () => {
    for (const metadata of [{ title: 'a\u0000' }, { title: '\ud83d' }]) {
      const id = newId();
      const res = await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, { metadata });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_metadata' });
      expect(res.body.message).toContain('metadata.title');
      expect((await api(stack.baseUrl, 'GET', `/v1/conversations/${id}`)).status).toBe(404);
    }
  });

  it('refuses a number JSON cannot hold (1e400 parses to Infinity) instead of storing null', async () => {
    const id = newId();
    await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {});
    const raw = '{"message":{"role":"user","parts":[{"type":"data","data":{"n":1e400}}]}}';
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, undefined, raw);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_message' });
    expect(res.body.message).toContain('message.parts.0.data.n');
  });

  it('stores emoji, RTL marks and paired surrogates byte-exact, and the partition keeps projecting after every refusal above', async () => {
    const id = newId();
    await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {});
    const text = 'héllo 👋🏽 \u200f\u202eعربى\u202c 𝄞';
    for (const body of refused.map(([, b]) => b)) {
      await append(newId(), body);
    }
    const res = await append(id, { message: textMessage(text) });
    expect(res.status).toBe(201);
    const page = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}/messages?from=1`);
    expect(page.body.consistency).toBe('strong');
    expect((page.body.messages as { parts: { text: string }[] }[])[0].parts[0].text).toBe(text);
  });
});
