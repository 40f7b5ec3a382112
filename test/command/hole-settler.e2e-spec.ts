import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { appendedEvent } from '../support/event-builder';
import { indexEpoch, produceEvents } from '../support/hand-built-events';
import { eventually } from '../support/service-process';
import { TEST_DATABASE_URL } from '../support/test-env';
import { firstWinsBySeq, readTopic } from '../support/topic-reader';

/** A grace well above the smallest the configuration accepts with a 500 ms ack timeout (2 x 500). */
const HOLE_GRACE_MS = 3000;

const stack = new CommandStack('hole-settler', 2, {
  APPEND_ACK_TIMEOUT_MS: '500',
  HOLE_GRACE_MS: String(HOLE_GRACE_MS),
  REAPER_INTERVAL_MS: '200',
});
const db = new Client({ connectionString: TEST_DATABASE_URL });

beforeAll(async () => {
  await stack.start();
  await db.connect();
}, 120_000);
afterAll(async () => {
  await db.end();
  await stack.stop();
});

/** The epoch the command trusts, which the settler stamps on its tombstones. */
function trustedEpoch(): Promise<number> {
  return eventually('the command to trust its index', () => indexEpoch(stack.env.REDIS_KEY_PREFIX));
}

async function settledTotal(): Promise<number> {
  let total = 0;
  for (const command of stack.commands) {
    const text = await (await fetch(`${command.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('threadline_command_holes_settled_total'));
    total += line ? Number(line.split(' ').at(-1)) : 0;
  }
  return total;
}

it('tombstones the hole of an idle conversation once it has been missing for the grace period, and nothing else', async () => {
  const id = `settler-${randomUUID()}`;
  expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  for (const text of ['one', 'two']) {
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage(text) });
    expect(res.status).toBe(201);
  }
  const epoch = await trustedEpoch();
  const settledBefore = await settledTotal();
  const fourLanded = Date.now();
  await produceEvents(stack.env.KAFKA_TOPIC, appendedEvent(id, 4, 'four, above a seq never produced', epoch));

  const holeOpened = await eventually('the projector to see the hole at seq 3', async () => {
    const { rows } = await db.query<{ contiguous_seq: string; hole_since: Date | null; hole_last_seq: string }>(
      'SELECT contiguous_seq, hole_since, hole_last_seq FROM conversations WHERE id = $1',
      [id],
    );
    return rows[0]?.hole_since ? rows[0] : null;
  });
  expect({ contiguous: Number(holeOpened.contiguous_seq), upTo: Number(holeOpened.hole_last_seq) }).toEqual({
    contiguous: 2,
    upTo: 4,
  });

  const settled = await eventually(
    'the settler to tombstone seq 3 without any traffic to the conversation',
    async () => {
      const { rows } = await db.query<{ contiguous_seq: string; hole_since: Date | null }>(
        'SELECT contiguous_seq, hole_since FROM conversations WHERE id = $1',
        [id],
      );
      return Number(rows[0].contiguous_seq) === 4 && rows[0];
    },
    HOLE_GRACE_MS + 30_000,
    200,
  );
  expect(settled.hole_since).toBeNull();

  const page = await api<{ messages: Array<{ seq: number; kind: string; reason?: string }>; consistency: string }>(
    stack.baseUrl,
    'GET',
    `/v1/conversations/${id}/messages?from=1`,
  );
  expect(page.body.consistency).toBe('strong');
  expect(page.body.messages.map((m) => [m.seq, m.kind, m.reason ?? null])).toEqual([
    [1, 'message', null],
    [2, 'message', null],
    [3, 'tombstone', 'abandoned'],
    [4, 'message', null],
  ]);

  const bySeq = firstWinsBySeq(await readTopic(stack.env.KAFKA_TOPIC), id);
  expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
  const tombstone = bySeq.get(3)!;
  expect(tombstone.index_epoch).toBe(epoch);
  expect(Date.parse(tombstone.occurred_at) - fourLanded).toBeGreaterThanOrEqual(HOLE_GRACE_MS);
  expect((await settledTotal()) - settledBefore).toBeGreaterThanOrEqual(1);
});
