import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { sleep } from '../support/service-process';
import { TEST_REDIS_URL } from '../support/test-env';
import { firstWinsBySeq, readTopic } from '../support/topic-reader';

const stack = new CommandStack('redis-loss', 2);

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

/** Drops every key of this run's index, as FLUSHALL would, without touching other users of the server. */
async function flushIndex(prefix: string): Promise<number> {
  const redis = createClient({ url: TEST_REDIS_URL });
  await redis.connect();
  let deleted = 0;
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
    if (keys.length > 0) deleted += await redis.del(keys);
  }
  await redis.quit();
  return deleted;
}

it('loses the Redis index in the middle of concurrent appends without handing out a seq twice or losing an acknowledged message', async () => {
  const ids = Array.from({ length: 4 }, () => `redis-loss-${randomUUID()}`);
  for (const id of ids) {
    expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  }
  const acked = new Map<string, Map<number, string>>(ids.map((id) => [id, new Map()]));
  const statuses = new Map<number, number>();
  let running = true;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let n = 0; running; n += 1) {
      const id = ids[(w + n) % ids.length];
      const text = `w${w}-${n}`;
      const res = await api(stack.commands[w % 2].baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
        message: textMessage(text),
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 201) {
        const seqs = acked.get(id)!;
        expect(seqs.has(res.body.seq as number)).toBe(false);
        seqs.set(res.body.seq as number, text);
      } else {
        expect(res.status).toBe(503);
        await sleep(100);
      }
    }
  });
  await sleep(2000);
  expect(await flushIndex(stack.env.REDIS_KEY_PREFIX)).toBeGreaterThan(0);
  await sleep(2000);
  const statusesAfterFlush = statuses.get(503) ?? 0;
  await sleep(25_000);
  running = false;
  await Promise.all(writers);
  expect(statusesAfterFlush).toBeGreaterThan(0);

  const records = await readTopic(stack.env.KAFKA_TOPIC);
  for (const id of ids) {
    const bySeq = firstWinsBySeq(records, id);
    const appendedSeqs = records.filter((r) => r.event.conversation_id === id && r.event.type === 'message.appended');
    const seqOwners = new Map<number, Set<string>>();
    for (const r of appendedSeqs) {
      if (r.event.type !== 'message.appended') continue;
      const text = JSON.stringify(r.event.data.message.parts);
      seqOwners.set(r.event.seq, (seqOwners.get(r.event.seq) ?? new Set()).add(text));
    }
    for (const [seq, texts] of seqOwners) {
      expect({ seq, distinctContents: texts.size }).toEqual({ seq, distinctContents: 1 });
    }
    for (const [seq, text] of acked.get(id)!) {
      const event = bySeq.get(seq);
      expect(event?.type === 'message.appended' && event.data.message.parts[0]).toEqual({ type: 'text', text });
    }
  }
  const afterRecovery = await api(stack.baseUrl, 'POST', `/v1/conversations/${ids[0]}/messages`, {
    message: textMessage('after'),
  });
  expect(afterRecovery.status).toBe(201);
});
