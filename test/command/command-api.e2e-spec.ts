import { randomUUID } from 'node:crypto';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { firstWinsBySeq, readTopic } from '../support/topic-reader';
import { schemaChecker } from '../support/openapi-schemas';

const stack = new CommandStack('cmd', 2);
const [first, second] = [0, 1];

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

const url = (i: number) => stack.commands[i].baseUrl;
const newId = () => `conv-${randomUUID()}`;

async function create(id: string, metadata: Record<string, unknown> = {}) {
  const res = await api(url(first), 'PUT', `/v1/conversations/${id}`, { metadata });
  expect(res.status).toBe(200);
  return res.body;
}

describe('command API', () => {
  it('creates idempotently, returns the FleetLM conversation record, and appends with seq = version', async () => {
    const id = newId();
    const created = await create(id, { channel: 'web' });
    expect(created).toMatchObject({ id, version: 0, tombstoned: false, last_seq: 0, archived_seq: 0 });
    expect(created.metadata).toEqual({ channel: 'web' });
    const again = await api(url(second), 'PUT', `/v1/conversations/${id}`, { metadata: { other: 1 } });
    expect(again.body).toEqual(created);

    const appended = await api(url(second), 'POST', `/v1/conversations/${id}/messages`, {
      message: textMessage('hello there'),
    });
    expect(appended.status).toBe(201);
    expect(appended.body).toEqual({ seq: 1, version: 1, token_count: 2, deduped: false });
    const record = await api(url(first), 'GET', `/v1/conversations/${id}`);
    expect(record.body).toMatchObject({ version: 1, last_seq: 1 });
  });

  it('admits exactly one winner per version: 20 writers x 50 appends through two instances', async () => {
    const id = newId();
    await create(id);
    const acked: { writer: number; n: number; seq: number }[] = [];
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, writer) => {
        let version = 0;
        for (let n = 0; n < 50;) {
          const res = await api(url(writer % 2), 'POST', `/v1/conversations/${id}/messages`, {
            message: textMessage(`w${writer}-${n}`),
            if_version: version,
          });
          if (res.status === 201) {
            acked.push({ writer, n, seq: res.body.seq as number });
            version = res.body.version as number;
            n += 1;
          } else {
            expect(res.status).toBe(409);
            expect(res.body.error).toBe('conflict');
            expect(res.body.message).toBe(`Version mismatch (current: ${String(res.body.current_version)})`);
            version = res.body.current_version as number;
            conflicts += 1;
          }
        }
      }),
    );
    expect(acked).toHaveLength(1000);
    expect(new Set(acked.map((a) => a.seq)).size).toBe(1000);
    expect(conflicts).toBeGreaterThan(0);

    const bySeq = firstWinsBySeq(await readTopic(stack.env.KAFKA_TOPIC), id);
    expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    for (const a of acked) {
      const event = bySeq.get(a.seq);
      expect(event?.type).toBe('message.appended');
      expect(event?.type === 'message.appended' && event.data.message.parts[0]).toEqual({
        type: 'text',
        text: `w${a.writer}-${a.n}`,
      });
    }

    const replayed: number[] = [];
    for (let from = 1; ;) {
      const page = await api<{ messages: { seq: number }[]; next_cursor: number }>(
        url(second),
        'GET',
        `/v1/conversations/${id}/messages?from=${from}&limit=300`,
      );
      if (page.body.messages.length === 0) break;
      replayed.push(...page.body.messages.map((m) => m.seq));
      from = page.body.next_cursor;
    }
    expect(replayed).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('dedupes a producer pair sent twice, also concurrently: one append, both answers name the same seq', async () => {
    const id = newId();
    await create(id);
    const body = { message: textMessage('once'), producer_id: 'worker-7', producer_seq: 1 };
    const [a, b] = await Promise.all([
      api(url(first), 'POST', `/v1/conversations/${id}/messages`, body),
      api(url(second), 'POST', `/v1/conversations/${id}/messages`, body),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.seq).toBe(b.body.seq);
    const later = await api(url(first), 'POST', `/v1/conversations/${id}/messages`, body);
    expect(later.body).toMatchObject({ seq: a.body.seq, deduped: true });

    const conflict = await api(url(second), 'POST', `/v1/conversations/${id}/messages`, {
      ...body,
      message: textMessage('different'),
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe('producer_replay_conflict');

    const record = await api(url(first), 'GET', `/v1/conversations/${id}`);
    expect(record.body.version).toBe(1);
    const bySeq = firstWinsBySeq(await readTopic(stack.env.KAFKA_TOPIC), id);
    expect([...bySeq.keys()]).toEqual([1]);
  });

  it('tombstones on DELETE: 204, later appends get 410, existing messages stay readable', async () => {
    const id = newId();
    await create(id);
    await api(url(first), 'POST', `/v1/conversations/${id}/messages`, { message: textMessage('before') });
    expect((await api(url(first), 'DELETE', `/v1/conversations/${id}`)).status).toBe(204);
    expect((await api(url(second), 'DELETE', `/v1/conversations/${id}`)).status).toBe(204);
    const late = await api(url(second), 'POST', `/v1/conversations/${id}/messages`, { message: textMessage('after') });
    expect(late.status).toBe(410);
    expect(late.body).toEqual({ error: 'conversation_tombstoned', message: 'Conversation is tombstoned' });
    const record = await api(url(first), 'GET', `/v1/conversations/${id}`);
    expect(record.body).toMatchObject({ tombstoned: true, version: 1 });
    const tail = await api<{ messages: { seq: number }[] }>(url(first), 'GET', `/v1/conversations/${id}/tail`);
    expect(tail.body.messages.map((m) => m.seq)).toEqual([1]);
  });

  it('reads its writes: 1,000 appends each followed at once by a tail that contains the acknowledged seq', async () => {
    const id = newId();
    await create(id);
    for (let i = 0; i < 1000; i += 1) {
      const appended = await api(url(i % 2), 'POST', `/v1/conversations/${id}/messages`, {
        message: textMessage(`m${i}`),
      });
      const tail = await api<{ messages: { seq: number }[]; consistency: string }>(
        url((i + 1) % 2),
        'GET',
        `/v1/conversations/${id}/tail?limit=1`,
      );
      expect(tail.body.consistency).toBe('strong');
      expect(tail.body.messages.at(-1)?.seq).toBe(appended.body.seq);
    }
  });

  it('pages the tail backwards from the newest, each page in chronological order', async () => {
    const id = newId();
    await create(id);
    for (let i = 0; i < 7; i += 1) {
      await api(url(first), 'POST', `/v1/conversations/${id}/messages`, { message: textMessage(`m${i}`) });
    }
    type Page = { messages: { seq: number }[]; next_cursor: number | null };
    const p1 = await api<Page>(url(first), 'GET', `/v1/conversations/${id}/tail?limit=3`);
    expect(p1.body.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    const p2 = await api<Page>(url(first), 'GET', `/v1/conversations/${id}/tail?limit=3&offset=${p1.body.next_cursor}`);
    expect(p2.body.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    const p3 = await api<Page>(url(first), 'GET', `/v1/conversations/${id}/tail?limit=3&offset=${p2.body.next_cursor}`);
    expect(p3.body).toMatchObject({ messages: [{ seq: 1 }], next_cursor: null });
  });

  describe('bad input gets the documented 4xx and changes nothing', () => {
    const id = newId();
    beforeAll(() => create(id));
    const [unknownAppend, unknownPut, unknownGet] = [newId(), newId(), newId()];
    const badId = '-bad!';
    const longId = 'a'.repeat(129);

    /** A refused request and the conversation it targeted, whose record must read the same before and after. */
    type Case = { method: string; path: string; body?: unknown; raw?: string; target: string };
    const post = (body: unknown): Case => ({
      method: 'POST',
      path: `/v1/conversations/${id}/messages`,
      body,
      target: id,
    });
    const cases: [string, Case, number, string][] = [
      [
        'malformed JSON',
        { method: 'POST', path: `/v1/conversations/${id}/messages`, raw: '{"message":', target: id },
        400,
        'invalid_json',
      ],
      ['no message', post({}), 400, 'invalid_message'],
      ['message not an object', post({ message: 'hi' }), 400, 'invalid_message'],
      ['empty role', post({ message: { role: '', parts: [{ type: 'text', text: 'x' }] } }), 400, 'invalid_message'],
      ['parts empty', post({ message: { role: 'user', parts: [] } }), 400, 'invalid_message'],
      ['part without type', post({ message: { role: 'user', parts: [{ text: 'x' }] } }), 400, 'invalid_message'],
      [
        'text part with numeric text',
        post({ message: { role: 'user', parts: [{ type: 'text', text: 5 }] } }),
        400,
        'invalid_message',
      ],
      [
        'tool_call without name',
        post({ message: { role: 'assistant', parts: [{ type: 'tool_call' }] } }),
        400,
        'invalid_message',
      ],
      ['metadata an array', post({ message: { ...textMessage('x'), metadata: [1] } }), 400, 'invalid_metadata'],
      ['negative if_version', post({ message: textMessage('x'), if_version: -1 }), 400, 'invalid_if_version'],
      ['non-integer if_version', post({ message: textMessage('x'), if_version: 1.5 }), 400, 'invalid_if_version'],
      ['string if_version', post({ message: textMessage('x'), if_version: '0' }), 400, 'invalid_if_version'],
      [
        'producer_id without producer_seq',
        post({ message: textMessage('x'), producer_id: 'p' }),
        400,
        'invalid_producer',
      ],
      [
        'producer_seq zero',
        post({ message: textMessage('x'), producer_id: 'p', producer_seq: 0 }),
        400,
        'invalid_producer',
      ],
      ['oversize message', post({ message: textMessage('x'.repeat(300 * 1024)) }), 413, 'message_too_large'],
      ['oversize body', post({ message: textMessage('x'.repeat(400 * 1024)) }), 413, 'payload_too_large'],
      [
        'bad id',
        {
          method: 'POST',
          path: `/v1/conversations/${badId}/messages`,
          body: { message: textMessage('x') },
          target: badId,
        },
        400,
        'invalid_conversation_id',
      ],
      [
        'too long id',
        { method: 'PUT', path: `/v1/conversations/${longId}`, body: {}, target: longId },
        400,
        'invalid_conversation_id',
      ],
      [
        'unknown conversation',
        {
          method: 'POST',
          path: `/v1/conversations/${unknownAppend}/messages`,
          body: { message: textMessage('x') },
          target: unknownAppend,
        },
        404,
        'conversation_not_found',
      ],
      ['stale if_version', post({ message: textMessage('x'), if_version: 99 }), 409, 'conflict'],
      [
        'PUT metadata not an object',
        { method: 'PUT', path: `/v1/conversations/${unknownPut}`, body: { metadata: 'x' }, target: unknownPut },
        400,
        'invalid_metadata',
      ],
      [
        'tail limit zero',
        { method: 'GET', path: `/v1/conversations/${id}/tail?limit=0`, target: id },
        400,
        'invalid_query',
      ],
      [
        'tail limit above the maximum',
        { method: 'GET', path: `/v1/conversations/${id}/tail?limit=100000`, target: id },
        400,
        'invalid_query',
      ],
      [
        'replay from not a number',
        { method: 'GET', path: `/v1/conversations/${id}/messages?from=abc`, target: id },
        400,
        'invalid_query',
      ],
      [
        'GET unknown conversation',
        { method: 'GET', path: `/v1/conversations/${unknownGet}`, target: unknownGet },
        404,
        'conversation_not_found',
      ],
    ];

    /** What both instances answer for the targeted conversation: its record (or refusal) and its tail. */
    const observe = async (target: string) =>
      Promise.all(
        [first, second].flatMap((i) =>
          [`/v1/conversations/${target}`, `/v1/conversations/${target}/tail`].map(async (path) => {
            const res = await api(url(i), 'GET', path);
            return { status: res.status, body: res.body };
          }),
        ),
      );

    it.each(cases)('%s', async (_name, req, status, code) => {
      const before = await observe(req.target);
      const res = await api(url(first), req.method, req.path, req.body, req.raw);
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(code);
      expect(typeof res.body.message).toBe('string');
      expect(await observe(req.target)).toEqual(before);
    });

    it('leaves no event in the log for any conversation a refused request targeted', async () => {
      const records = await readTopic(stack.env.KAFKA_TOPIC);
      for (const target of new Set(cases.map(([, req]) => req.target))) {
        const events = records.filter((r) => r.event.conversation_id === target).map((r) => r.event.type);
        expect({ target, events }).toEqual({ target, events: target === id ? ['conversation.created'] : [] });
      }
    });
  });

  it('serves an OpenAPI document that describes the real responses', async () => {
    const doc = await api<{ components: { schemas: Record<string, object> } }>(url(first), 'GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    const check = schemaChecker(doc.body);
    const id = newId();
    check('Conversation', (await api(url(first), 'PUT', `/v1/conversations/${id}`, { metadata: { a: 1 } })).body);
    const appendBody = { message: textMessage('x'), producer_id: 'p1', producer_seq: 1 };
    check('AppendMessage', appendBody);
    check('AppendResult', (await api(url(first), 'POST', `/v1/conversations/${id}/messages`, appendBody)).body);
    check('MessagePage', (await api(url(first), 'GET', `/v1/conversations/${id}/tail`)).body);
    check('MessagePage', (await api(url(first), 'GET', `/v1/conversations/${id}/messages?from=1`)).body);
    check('Error', (await api(url(first), 'GET', `/v1/conversations/${newId()}`)).body);
  });
});
