import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { contentHash, EVENT_SCHEMA_VERSION, MessageBody, MessageTombstonedEvent } from '@threadline/contracts';
import { api } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { appendedEvent } from '../support/event-builder';
import { indexEpoch, produceEvents } from '../support/hand-built-events';
import { eventually } from '../support/service-process';
import { TEST_DATABASE_URL } from '../support/test-env';

const stack = new CommandStack('producer-pairs');
const db = new Client({ connectionString: TEST_DATABASE_URL });

beforeAll(async () => {
  await stack.start();
  await db.connect();
}, 120_000);
afterAll(async () => {
  await db.end();
  await stack.stop();
});

interface PairRow {
  producer_id: string;
  producer_seq: number;
  seq: number;
  content_hash: string;
}

/** The hash the command decides a pair with: the body it produces, metadata `{}` and token_count filled in. */
const commandHash = (message: MessageBody, tokenCount: number) =>
  contentHash({ ...message, metadata: message.metadata ?? {}, token_count: tokenCount });

function tombstone(conversationId: string, seq: number, epoch: number | null): MessageTombstonedEvent {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    tenant_id: 'default',
    event_id: randomUUID(),
    conversation_id: conversationId,
    occurred_at: new Date().toISOString(),
    ...(epoch === null ? {} : { index_epoch: epoch }),
    type: 'message.tombstoned',
    seq,
    data: { reason: 'abandoned' },
  };
}

it('keeps exactly the producer pairs whose message won its seq, with the hash the command computed', async () => {
  const id = `pairs-${randomUUID()}`;
  expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  const append = (body: Record<string, unknown>) =>
    api<{ seq: number; token_count: number; deduped: boolean }>(
      stack.baseUrl,
      'POST',
      `/v1/conversations/${id}/messages`,
      body,
    );
  const first: MessageBody = { role: 'user', parts: [{ type: 'text', text: 'first' }] };
  const second: MessageBody = {
    role: 'assistant',
    parts: [{ type: 'tool_call', name: 'search', args: { q: 'ünïcödé' } }],
    metadata: { model: 'm', nested: { b: 2, a: 1 } },
    token_count: 17,
  };
  const third: MessageBody = { role: 'user', parts: [{ type: 'text', text: 'third' }] };

  const one = await append({ message: first, producer_id: 'worker-a', producer_seq: 1 });
  const two = await append({ message: second, producer_id: 'worker-a', producer_seq: 2 });
  const retry = await append({ message: first, producer_id: 'worker-a', producer_seq: 1 });
  const conflicting = await append({ message: third, producer_id: 'worker-a', producer_seq: 1 });
  const anonymous = await append({ message: third });
  const other = await append({ message: third, producer_id: 'worker-b', producer_seq: 1 });
  expect([one, two, retry, conflicting, anonymous, other].map((r) => [r.status, r.body.seq])).toEqual([
    [201, 1],
    [201, 2],
    [201, 1],
    [409, 1],
    [201, 3],
    [201, 4],
  ]);
  expect(retry.body.deduped).toBe(true);

  const epoch = await indexEpoch(stack.env.REDIS_KEY_PREFIX);
  const winner = appendedEvent(id, 5, 'five wins', epoch, { id: 'worker-c', seq: 1 });
  await produceEvents(
    stack.env.KAFKA_TOPIC,
    winner,
    appendedEvent(id, 5, 'five loses', epoch, { id: 'worker-d', seq: 1 }),
    tombstone(id, 6, epoch),
    appendedEvent(id, 6, 'six loses to the tombstone', epoch, { id: 'worker-e', seq: 1 }),
  );

  await eventually('seq 6 to be projected', async () => {
    const { rows } = await db.query<{ contiguous_seq: string }>(
      'SELECT contiguous_seq FROM conversations WHERE id = $1',
      [id],
    );
    return Number(rows[0]?.contiguous_seq) === 6;
  });
  const { rows } = await db.query<PairRow>(
    `SELECT producer_id, producer_seq::int, seq::int, content_hash FROM producer_pairs
     WHERE conversation_id = $1 ORDER BY producer_id, producer_seq`,
    [id],
  );
  expect(rows).toEqual([
    { producer_id: 'worker-a', producer_seq: 1, seq: 1, content_hash: commandHash(first, one.body.token_count) },
    { producer_id: 'worker-a', producer_seq: 2, seq: 2, content_hash: commandHash(second, 17) },
    { producer_id: 'worker-b', producer_seq: 1, seq: 4, content_hash: commandHash(third, other.body.token_count) },
    { producer_id: 'worker-c', producer_seq: 1, seq: 5, content_hash: contentHash(winner.data.message) },
  ]);
});
