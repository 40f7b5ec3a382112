import { randomUUID } from 'node:crypto';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually } from '../support/service-process';
import { flushIndex, indexEpoch } from '../support/hand-built-events';
import { firstWinsBySeq, readTopic } from '../support/topic-reader';

const stack = new CommandStack('redis-loss', 2);

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

const append = (baseUrl: string, id: string, body: Record<string, unknown>) =>
  api(baseUrl, 'POST', `/v1/conversations/${id}/messages`, body);

async function created(): Promise<string> {
  const id = `redis-loss-${randomUUID()}`;
  expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  return id;
}

it('dedupes a producer pair retried after Redis lost the index: the same seq, no second copy', async () => {
  const id = await created();
  const body = { message: textMessage('exactly once'), producer_id: 'worker-1', producer_seq: 1 };
  const first = await append(stack.baseUrl, id, body);
  expect(first.status).toBe(201);
  await append(stack.baseUrl, id, { message: textMessage('after it') });
  await eventually('the projection to hold both appends', async () => {
    const page = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}/messages?from=1&consistency=eventual`);
    return (page.body.messages as unknown[]).length === 2;
  });

  expect(await flushIndex(stack.env.REDIS_KEY_PREFIX)).toBeGreaterThan(0);
  const retry = await eventually('the retry to be answered after the rebuild', async () => {
    const res = await append(stack.commands[1].baseUrl, id, body);
    return res.status === 503 ? null : res;
  });

  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ seq: first.body.seq, deduped: true });
  const conflicting = await append(stack.baseUrl, id, { ...body, message: textMessage('other content') });
  expect(conflicting.status).toBe(409);
  expect(conflicting.body).toMatchObject({ error: 'producer_replay_conflict', seq: first.body.seq });
  const fresh = await append(stack.baseUrl, id, { ...body, producer_seq: 2 });
  expect(fresh.body).toMatchObject({ seq: 3, deduped: false });
}, 60_000);

it('loses the Redis index in the middle of concurrent appends without handing out a seq twice or losing an acknowledged message', async () => {
  const ids = await Promise.all(Array.from({ length: 4 }, () => created()));
  const epochBefore = await indexEpoch(stack.env.REDIS_KEY_PREFIX);
  const acked = new Map<string, Map<number, string>>(ids.map((id) => [id, new Map()]));
  const refusedAfterFlush = new Map<string, number>();
  let flushedAt: number | null = null;
  let resumedAt: number | null = null;
  let running = true;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let n = 0; running; n += 1) {
      const id = ids[(w + n) % ids.length];
      const text = `w${w}-${n}`;
      const sentAt = Date.now();
      const res = await append(stack.commands[w % 2].baseUrl, id, { message: textMessage(text) });
      if (res.status === 201) {
        const seqs = acked.get(id)!;
        expect({ id, seq: res.body.seq, taken: seqs.has(res.body.seq as number) }).toEqual({
          id,
          seq: res.body.seq,
          taken: false,
        });
        seqs.set(res.body.seq as number, text);
        if (flushedAt !== null && sentAt > flushedAt && resumedAt === null) {
          resumedAt = Date.now();
        }
      } else {
        expect(res.status).toBe(503);
        if (flushedAt !== null && sentAt >= flushedAt) {
          const code = res.body.error as string;
          refusedAfterFlush.set(code, (refusedAfterFlush.get(code) ?? 0) + 1);
        }
      }
    }
  });
  await eventually('appends acknowledged before the flush', async () =>
    [...acked.values()].every((seqs) => seqs.size >= 5),
  );
  flushedAt = Date.now();
  expect(await flushIndex(stack.env.REDIS_KEY_PREFIX)).toBeGreaterThan(0);
  await eventually('appends acknowledged again after the rebuild', async () => resumedAt !== null, 30_000);
  const countAt = [...acked.values()].reduce((sum, seqs) => sum + seqs.size, 0);
  await eventually(
    'more appends after the rebuild',
    async () => [...acked.values()].reduce((sum, seqs) => sum + seqs.size, 0) > countAt + 50,
  );
  running = false;
  await Promise.all(writers);

  process.stdout.write(
    `redis-loss: appends resumed ${resumedAt! - flushedAt} ms after the flush; 503s after it: ${JSON.stringify(Object.fromEntries(refusedAfterFlush))}\n`,
  );
  expect([...refusedAfterFlush.keys()].every((code) => ['index_rebuilding', 'outcome_unknown'].includes(code))).toBe(
    true,
  );
  expect(await indexEpoch(stack.env.REDIS_KEY_PREFIX)).toBeGreaterThan(epochBefore ?? 0);
  const records = await readTopic(stack.env.KAFKA_TOPIC);
  for (const id of ids) {
    const bySeq = firstWinsBySeq(records, id);
    for (const [seq, text] of acked.get(id)!) {
      const event = bySeq.get(seq);
      expect({ seq, part: event?.type === 'message.appended' ? event.data.message.parts[0] : event?.type }).toEqual({
        seq,
        part: { type: 'text', text },
      });
    }
  }
}, 120_000);

it('answers reads from the projection while the index is being rebuilt', async () => {
  const id = await created();
  await append(stack.baseUrl, id, { message: textMessage('readable') });
  const projected = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}/messages?from=1`);
  expect(projected.body.consistency).toBe('strong');
  await flushIndex(stack.env.REDIS_KEY_PREFIX);
  const page = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}/messages?from=1`);
  expect(page.status).toBe(200);
  expect((page.body.messages as Array<{ seq: number }>).map((m) => m.seq)).toEqual([1]);
});
