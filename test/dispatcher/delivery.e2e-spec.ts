import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';
import { ConversationCreatedEvent, ConversationEvent } from '@threadline/contracts';
import { CommandStack } from '../support/command-stack';
import { appendedEvent, createdEvent } from '../support/event-builder';
import { indexEpoch, produceEvents } from '../support/hand-built-events';
import { eventually } from '../support/service-process';
import { attemptsOf, deliveriesOf, dispatcherProcess, insertAgent, readDeadLetters, Receiver } from './support';

/**
 * The dispatcher against real Kafka, Postgres, projector and command, and a real
 * HTTP receiver: conversation events are produced to the stack's topic as the
 * command would (each test its own agents and conversations), agents are rows
 * of the registry. Retry, circuit and poll timings are milliseconds (FAST_DISPATCH_ENV).
 */
const stack = new CommandStack('dispatch');
const dispatcher = dispatcherProcess('dispatch', stack.env, stack.baseUrl);
const receiver = new Receiver();
const db = new Pool({ connectionString: stack.env.DATABASE_URL, max: 2 });
let epoch: number;
/** A tenant of this run: agents and conversations of earlier runs in the shared database never collide. */
const tenantId = `dispatch-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  await receiver.start();
  await stack.start();
  epoch = await eventually('the command to trust its index', () => indexEpoch(stack.env.REDIS_KEY_PREFIX));
  await dispatcher.start();
}, 120_000);
afterAll(async () => {
  await dispatcher.stop();
  await stack.stop();
  await receiver.stop();
  for (const table of ['deliveries', 'dispatch_participants', 'dispatch_seqs', 'agents']) {
    await db.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
  }
  await db.end();
});

let conversations = 0;
const newConversationId = (label: string) => `${label}-${++conversations}-${Date.now()}`;

function created(conversationId: string, agents: string[]): ConversationCreatedEvent {
  const event = createdEvent({ tenantId, conversationId }, { topic: conversationId });
  return {
    ...event,
    index_epoch: epoch,
    data: {
      ...event.data,
      participants: [{ id: 'u1', kind: 'user' }, ...agents.map((id) => ({ id, kind: 'agent' as const }))],
    },
  };
}

const message = (conversationId: string, seq: number, actor = 'user:u1') =>
  appendedEvent({ tenantId, conversationId }, seq, `message ${seq}`, epoch, null, new Date().toISOString(), actor);

const produce = (...events: ConversationEvent[]) => produceEvents(stack.env.KAFKA_TOPIC, ...events);

async function agent(
  id: string,
  settings: Omit<Parameters<typeof insertAgent>[2], 'id' | 'tenantId' | 'webhookUrl'> = {},
) {
  return insertAgent(db, stack.env.AGENT_SECRETS_KEY, { id, tenantId, webhookUrl: receiver.url(id), ...settings });
}

async function finished(agentId: string, count: number) {
  return eventually(`${count} finished deliveries of ${agentId}`, async () => {
    const rows = await deliveriesOf(db, tenantId, agentId);
    return rows.length === count && rows.every((r) => !['pending', 'replying'].includes(r.status)) && rows;
  });
}

it('delivers each message signed per Standard Webhooks, with the agent headers and the history it asked for', async () => {
  const secret = await agent('signed', { historyMode: 'tail', historyLimit: 5 });
  const id = newConversationId('signed');
  await produce(created(id, ['signed']), message(id, 1), message(id, 2));
  await eventually('two deliveries', async () => receiver.of('signed').length === 2);
  await eventually('both projected', async () => {
    const { rows } = await db.query('SELECT 1 FROM messages WHERE tenant_id = $1 AND conversation_id = $2', [
      tenantId,
      id,
    ]);
    return rows.length === 2;
  });
  await produce(message(id, 3));
  await eventually('the third delivery', async () => receiver.of('signed').length === 3);

  const requests = receiver.of('signed');
  for (const request of requests) {
    expect(new Webhook(secret).verify(request.raw, request.headers)).toEqual(request.body);
    expect(request.headers['webhook-id']).toBe(request.body.delivery_id);
    expect(request.headers['x-agent-header']).toBe('from-registry');
    expect(request.body.agent_id).toBe('signed');
  }
  expect(requests.map((r) => r.body.messages.map((m) => m.seq))).toEqual([[1], [2], [3]]);
  expect(requests[2].body.history.map((m) => m.seq)).toEqual([1, 2]);
  expect(requests[2].body.conversation).toMatchObject({ id, metadata: { topic: id }, last_seq: 3 });
  expect(() =>
    new Webhook(secret).verify(requests[0].raw.replace('message 1', 'message X'), requests[0].headers),
  ).toThrow();
  expect((await finished('signed', 3)).map((d) => [d.status, d.attempts])).toEqual([
    ['succeeded', 1],
    ['succeeded', 1],
    ['succeeded', 1],
  ]);
});

it('retries a receiver failing the first attempts, with the same webhook-id, and logs every attempt', async () => {
  await agent('flaky');
  receiver.behave('flaky', (got) => (got.length <= 2 ? { status: 503, body: 'busy' } : { status: 200 }));
  const id = newConversationId('flaky');
  await produce(created(id, ['flaky']), message(id, 1));
  const [delivery] = await finished('flaky', 1);

  expect(delivery).toMatchObject({ status: 'succeeded', attempts: 3 });
  expect(new Set(receiver.of('flaky').map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.id]));
  const attempts = await attemptsOf(db, delivery.id);
  expect(attempts.map((a) => [a.attempt, a.http_status, a.error, a.response_excerpt])).toEqual([
    [1, 503, 'HTTP 503', 'busy'],
    [2, 503, 'HTTP 503', 'busy'],
    [3, 200, null, ''],
  ]);
});

it('retries an attempt that times out', async () => {
  await agent('slow', { timeoutMs: 300 });
  receiver.behave('slow', (got) => (got.length === 1 ? { status: 200, delayMs: 1500 } : { status: 200 }));
  const id = newConversationId('slow');
  await produce(created(id, ['slow']), message(id, 1));
  const [delivery] = await finished('slow', 1);

  expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2 });
  const [first] = await attemptsOf(db, delivery.id);
  expect(first).toMatchObject({ http_status: null, error: 'timeout after 300 ms' });
  expect(first.duration_ms).toBeGreaterThanOrEqual(290);
});

it('waits as long as a 429 Retry-After says before the next attempt', async () => {
  await agent('limited');
  receiver.behave('limited', (got) =>
    got.length === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
  );
  const id = newConversationId('limited');
  await produce(created(id, ['limited']), message(id, 1));
  await finished('limited', 1);

  const [first, second] = receiver.of('limited');
  expect(second.at - first.at).toBeGreaterThanOrEqual(950);
});

it.each([410, 400])('does not retry HTTP %d: the delivery fails at once', async (status) => {
  const agentId = `refusing-${status}`;
  await agent(agentId);
  receiver.behave(agentId, () => ({ status }));
  const id = newConversationId(agentId);
  await produce(created(id, [agentId]), message(id, 1));
  const [delivery] = await finished(agentId, 1);

  expect(delivery).toMatchObject({ status: 'failed', attempts: 1, last_error: `HTTP ${status}: not retried` });
  expect(receiver.of(agentId)).toHaveLength(1);
});

it('declares a delivery dead after max_attempts: a row and a record on the dead-letter topic', async () => {
  await agent('doomed', { maxAttempts: 3 });
  receiver.behave('doomed', () => ({ status: 500 }));
  const id = newConversationId('doomed');
  await produce(created(id, ['doomed']), message(id, 1));
  const [delivery] = await finished('doomed', 1);

  expect(delivery).toMatchObject({ status: 'dead', attempts: 3 });
  expect(receiver.of('doomed')).toHaveLength(3);
  await eventually(
    'the dead letter acknowledged',
    async () => (await deliveriesOf(db, tenantId, 'doomed'))[0].dead_lettered_at,
  );
  const records = await readDeadLetters(`${stack.env.KAFKA_TOPIC}.dead`);
  expect(records.filter((r) => r.delivery_id === delivery.id)).toEqual([
    expect.objectContaining({
      type: 'delivery.dead',
      tenant_id: tenantId,
      agent_id: 'doomed',
      conversation_id: id,
      first_seq: 1,
      last_seq: 1,
      attempts: 3,
      last_error: 'HTTP 500 (attempt 3 of 3)',
    }),
  ]);
});

it("never delivers an agent's own message to it", async () => {
  await agent('self');
  const id = newConversationId('self');
  await produce(created(id, ['self']), message(id, 1, 'agent:self'), message(id, 2));
  await eventually('the user message delivered', async () => receiver.of('self').length === 1);

  expect(receiver.of('self')[0].body.messages.map((m) => m.seq)).toEqual([2]);
  expect((await deliveriesOf(db, tenantId, 'self')).map((d) => Number(d.first_seq))).toEqual([2]);
});

it('delivers in seq order when a seq reaches the topic after a higher one', async () => {
  await agent('reordered');
  const id = newConversationId('reordered');
  await produce(created(id, ['reordered']), message(id, 1), message(id, 3));
  await eventually('seq 1 delivered', async () => receiver.of('reordered').length === 1);
  await eventually('seq 3 ingested, ahead of the missing seq 2', async () => {
    const { rows } = await db.query<{ ahead: string[] }>(
      'SELECT ahead FROM dispatch_seqs WHERE tenant_id = $1 AND conversation_id = $2',
      [tenantId, id],
    );
    return rows[0]?.ahead.map(Number).includes(3);
  });
  await produce(message(id, 2));
  await finished('reordered', 2);

  expect(receiver.of('reordered').map((r) => r.body.messages.map((m) => m.seq))).toEqual([[1], [2, 3]]);
});

it('groups messages that arrive within debounce_ms into one delivery', async () => {
  await agent('debounced', { debounceMs: 1500 });
  const id = newConversationId('debounced');
  await produce(created(id, ['debounced']), message(id, 1), message(id, 2), message(id, 3));
  await finished('debounced', 1);

  expect(receiver.of('debounced').map((r) => r.body.messages.map((m) => m.seq))).toEqual([[1, 2, 3]]);
});

it('holds the deliveries of an agent disabled mid-backlog, losing none, and resumes them in order once enabled', async () => {
  await agent('paused');
  receiver.behave('paused', () => ({ status: 200, delayMs: 100 }));
  const id = newConversationId('paused');
  await produce(created(id, ['paused']), message(id, 1), message(id, 2));
  await eventually('the first delivery', async () => receiver.of('paused').length >= 1);
  await db.query("UPDATE agents SET status = 'disabled' WHERE tenant_id = $1 AND id = 'paused'", [tenantId]);
  await produce(message(id, 3), message(id, 4));
  await eventually('the backlog ingested', async () => (await deliveriesOf(db, tenantId, 'paused')).length === 4);
  const before = receiver.of('paused').length;
  // An observation window of many poll intervals: nothing of a disabled agent is attempted in it.
  await sleep(1000);
  expect(receiver.of('paused').length).toBe(before);
  expect(
    (await deliveriesOf(db, tenantId, 'paused')).filter((d) => d.status === 'pending').length,
  ).toBeGreaterThanOrEqual(2);

  await db.query("UPDATE agents SET status = 'enabled' WHERE tenant_id = $1 AND id = 'paused'", [tenantId]);
  await finished('paused', 4);
  expect(receiver.of('paused').flatMap((r) => r.body.messages.map((m) => m.seq))).toEqual([1, 2, 3, 4]);
});

it('delivers different conversations in parallel, at most DISPATCHER_AGENT_CONCURRENCY (4) at once per agent', async () => {
  await agent('busy');
  receiver.behave('busy', () => ({ status: 200, delayMs: 150 }));
  const ids = Array.from({ length: 12 }, () => newConversationId('busy'));
  await produce(...ids.flatMap((id) => [created(id, ['busy']), message(id, 1)]));
  await finished('busy', 12);

  expect(receiver.mostInFlight.get('busy')).toBe(4);
});

it("opens a dead agent's circuit without slowing a healthy agent's deliveries", async () => {
  await insertAgent(db, stack.env.AGENT_SECRETS_KEY, {
    id: 'unreachable',
    tenantId,
    webhookUrl: 'http://127.0.0.1:1/hook',
  });
  await agent('healthy');
  const circuitOpen = new RegExp(
    `threadline_dispatcher_circuit_state\\{[^}]*agent="${tenantId}/unreachable"[^}]*\\} 2`,
  );
  const shared = Array.from({ length: 6 }, () => newConversationId('circuit'));
  await produce(...shared.flatMap((id) => [created(id, ['unreachable', 'healthy']), message(id, 1)]));
  await eventually('the circuit open', async () =>
    circuitOpen.test(await (await fetch(`${dispatcher.baseUrl}/metrics`)).text()),
  );
  const attemptsWhenOpened = await attemptsOfAgent('unreachable');

  const more = Array.from({ length: 6 }, () => newConversationId('circuit'));
  await produce(...more.flatMap((id) => [created(id, ['healthy']), message(id, 1)]));
  await eventually('every healthy delivery', async () => receiver.of('healthy').length === 12);
  // While open, the dead agent's retries (due within 200 ms) are held; at most one half-open probe may have gone.
  expect(await attemptsOfAgent('unreachable')).toBeLessThanOrEqual(attemptsWhenOpened + 1);
  expect((await deliveriesOf(db, tenantId, 'unreachable')).every((d) => d.status === 'pending')).toBe(true);
});

async function attemptsOfAgent(agentId: string): Promise<number> {
  return (await deliveriesOf(db, tenantId, agentId)).reduce((sum, d) => sum + d.attempts, 0);
}

it('loses no delivery when the dispatcher is SIGKILLed mid-delivery; repeats carry the same webhook-id', async () => {
  await agent('survivor', { timeoutMs: 1000 });
  receiver.behave('survivor', () => ({ status: 200, delayMs: 300 }));
  const ids = Array.from({ length: 5 }, () => newConversationId('survivor'));
  await produce(...ids.flatMap((id) => [created(id, ['survivor']), message(id, 1), message(id, 2)]));
  await eventually('a delivery in flight', async () => receiver.of('survivor').length >= 1, 30_000, 5);

  await dispatcher.kill();
  await produce(...ids.map((id) => message(id, 3)));
  await dispatcher.start();
  await eventually(
    'every message delivered',
    async () => {
      const rows = await deliveriesOf(db, tenantId, 'survivor');
      return rows.length === 15 && rows.every((d) => d.status === 'succeeded');
    },
    60_000,
  );

  for (const id of ids) {
    const requests = receiver.of('survivor').filter((r) => r.body.conversation.id === id);
    const firstPerWebhookId = new Map(requests.map((r) => [r.headers['webhook-id'], r] as const).reverse());
    expect([...firstPerWebhookId.values()].flatMap((r) => r.body.messages.map((m) => m.seq)).sort()).toEqual([1, 2, 3]);
    for (const request of requests) {
      expect(request.headers['webhook-id']).toBe(request.body.delivery_id);
    }
  }
  const interrupted = await db.query(
    `SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
     WHERE d.tenant_id = $1 AND d.agent_id = 'survivor' AND a.error LIKE 'interrupted%'`,
    [tenantId],
  );
  expect(interrupted.rows[0].n).toBeGreaterThanOrEqual(1);
}, 90_000);
