import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { attemptsOf, deliveriesOf, dispatcherProcess, Receiver } from './support';

/**
 * The whole path through the public API: agents registered with POST /v1/agents,
 * participants named on PUT /v1/conversations/{id}, messages appended over REST
 * (concurrently), the dispatcher delivering to a real HTTP receiver and
 * appending its replies through the command's replies route, and redeliver.
 */
const stack = new CommandStack('dispatch-flow');
const dispatcher = dispatcherProcess('dispatch-flow', stack.env, stack.baseUrl);
const receiver = new Receiver();
const db = new Pool({ connectionString: stack.env.DATABASE_URL, max: 2 });
const run = randomBytes(4).toString('hex');
const TENANT = 'default';
const agentIds: string[] = [];

beforeAll(async () => {
  await receiver.start();
  await stack.start();
  await dispatcher.start();
}, 120_000);
afterAll(async () => {
  await dispatcher.stop();
  await stack.stop();
  await receiver.stop();
  await db.query('DELETE FROM deliveries WHERE tenant_id = $1 AND agent_id = ANY($2)', [TENANT, agentIds]);
  await db.query('DELETE FROM agents WHERE tenant_id = $1 AND id = ANY($2)', [TENANT, agentIds]);
  await db.end();
});

const call = (method: string, path: string, body?: unknown) => api(stack.baseUrl, method, path, body);

/** Registers an agent over the API; returns its id (unique to this run) and its signing secret. */
async function register(name: string, settings: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const id = `${name}-${run}`;
  agentIds.push(id);
  const res = await call('POST', '/v1/agents', { id, webhook_url: receiver.url(id), ...settings });
  expect(res.status).toBe(201);
  return { id, secret: res.body.signing_secret as string };
}

async function conversationWith(agentId: string): Promise<string> {
  const id = `${agentId}-c${randomBytes(4).toString('hex')}`;
  const res = await call('PUT', `/v1/conversations/${id}`, {
    participants: [
      { id: 'ada', kind: 'user' },
      { id: agentId, kind: 'agent' },
    ],
  });
  expect(res.status).toBe(200);
  return id;
}

async function append(conversationId: string, text: string) {
  const res = await call('POST', `/v1/conversations/${conversationId}/messages`, { message: textMessage(text) });
  expect(res.status).toBe(201);
  return res.body.seq as number;
}

async function messagesOf(conversationId: string) {
  const res = await call('GET', `/v1/conversations/${conversationId}/messages?from=1`);
  return res.body.messages as Array<{
    seq: number;
    actor: string;
    producer_id: string | null;
    parts: Array<{ text: string }>;
  }>;
}

it("appends a webhook's reply as the agent exactly once, even when the same reply is posted again", async () => {
  const { id: agentId, secret } = await register('replier');
  receiver.behave(agentId, () => ({
    status: 200,
    body: JSON.stringify({ messages: [textMessage('on it', 'assistant'), textMessage('done', 'assistant')] }),
  }));
  const conversationId = await conversationWith(agentId);
  await append(conversationId, 'please help');

  const [delivery] = await eventually('the reply appended', async () => {
    const rows = await deliveriesOf(db, TENANT, agentId);
    return rows.length === 1 && rows[0].status === 'succeeded' && rows;
  });
  expect(delivery.reply_appended_at).not.toBeNull();
  const [request] = receiver.of(agentId);
  expect(new Webhook(secret).verify(request.raw, request.headers)).toEqual(request.body);

  const again = await call('POST', `/v1/deliveries/${delivery.id}/replies`, {
    messages: [textMessage('on it', 'assistant'), textMessage('done', 'assistant')],
  });
  expect(again.status).toBe(200);
  expect(again.body.seqs).toEqual([2, 3]);
  const messages = await eventually('the conversation projected', async () => {
    const page = await messagesOf(conversationId);
    return page.length === 3 && page;
  });
  expect(messages.map((m) => [m.seq, m.actor, m.parts[0].text])).toEqual([
    [1, 'service:anonymous', 'please help'],
    [2, `agent:${agentId}`, 'on it'],
    [3, `agent:${agentId}`, 'done'],
  ]);
  // The agent's own reply triggered no delivery to it.
  expect(await deliveriesOf(db, TENANT, agentId)).toHaveLength(1);
  expect(receiver.of(agentId)).toHaveLength(1);
});

it('redelivers a dead delivery with the same webhook-id', async () => {
  const { id: agentId } = await register('revived', { max_attempts: 2 });
  let healthy = false;
  receiver.behave(agentId, () => ({ status: healthy ? 200 : 500 }));
  const conversationId = await conversationWith(agentId);
  await append(conversationId, 'hello?');
  const [dead] = await eventually('the delivery dead', async () => {
    const rows = await deliveriesOf(db, TENANT, agentId);
    return rows.length === 1 && rows[0].status === 'dead' && rows;
  });

  healthy = true;
  expect((await call('POST', `/v1/deliveries/${dead.id}/redeliver`)).status).toBe(202);
  await eventually(
    'the redelivery succeeded',
    async () => (await deliveriesOf(db, TENANT, agentId))[0].status === 'succeeded',
  );

  expect(receiver.of(agentId).map((r) => r.headers['webhook-id'])).toEqual([dead.id, dead.id, dead.id]);
  expect((await attemptsOf(db, dead.id)).map((a) => [a.attempt, a.http_status])).toEqual([
    [1, 500],
    [2, 500],
    [3, 200],
  ]);
});

it('delivers each of 50 conversations strictly in seq order, with no gaps, under concurrent appends and failures', async () => {
  const { id: agentId } = await register('orderly');
  receiver.behave(agentId, () => ({
    status: Math.random() < 0.2 ? 503 : 200,
    delayMs: Math.floor(Math.random() * 20),
  }));
  const conversations = await Promise.all(Array.from({ length: 50 }, () => conversationWith(agentId)));
  const perConversation = 4;
  await Promise.all(
    conversations.flatMap((id) => Array.from({ length: perConversation }, (_, i) => append(id, `m${i}`))),
  );

  await eventually(
    'every delivery succeeded',
    async () => {
      const rows = await deliveriesOf(db, TENANT, agentId);
      const delivered = rows.reduce((sum, d) => sum + d.messages.length, 0);
      return delivered === 50 * perConversation && rows.every((d) => d.status === 'succeeded');
    },
    60_000,
  );
  for (const id of conversations) {
    const requests = receiver.of(agentId).filter((r) => r.body.conversation.id === id);
    const seen = new Set<string>();
    const seqs: number[] = [];
    for (const request of requests) {
      const webhookId = request.headers['webhook-id'];
      if (seen.has(webhookId)) {
        // A retry of the delivery before: the same webhook-id, the same messages.
        continue;
      }
      seen.add(webhookId);
      seqs.push(...request.body.messages.map((m) => m.seq));
    }
    expect(seqs).toEqual(Array.from({ length: perConversation }, (_, i) => i + 1));
  }
}, 90_000);

it('signs with both secrets during a rotation: a receiver holding either verifies', async () => {
  const { id: agentId, secret: previous } = await register('rotating');
  const rotated = await call('POST', `/v1/agents/${agentId}/rotate-secret`);
  expect(rotated.status).toBe(200);
  const current = rotated.body.signing_secret as string;
  const conversationId = await conversationWith(agentId);
  await append(conversationId, 'after the rotation');
  const [request] = await eventually(
    'the delivery',
    async () => receiver.of(agentId).length === 1 && receiver.of(agentId),
  );

  expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
  expect(new Webhook(current).verify(request.raw, request.headers)).toEqual(request.body);
  expect(new Webhook(previous).verify(request.raw, request.headers)).toEqual(request.body);
});

it('keeps a reply while the command is down and appends it once it is back, without calling the webhook again', async () => {
  const { id: agentId } = await register('patient', { timeout_ms: 30_000 });
  let commandStopped = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    commandStopped = resolve;
  });
  receiver.behave(agentId, () => ({
    status: 200,
    after: stopped,
    body: JSON.stringify({ messages: [textMessage('worth the wait', 'assistant')] }),
  }));
  const conversationId = await conversationWith(agentId);
  await append(conversationId, 'anyone?');
  await eventually('the webhook called', async () => receiver.of(agentId).length === 1);
  const command = stack.commands[0];
  await command.stop();
  try {
    // The webhook answers only now, with the command down.
    commandStopped();
    await eventually('the reply kept while the command is down', async () => {
      const [row] = await deliveriesOf(db, TENANT, agentId);
      return row?.status === 'replying' && (row.last_error ?? '').startsWith('reply not appended');
    });
  } finally {
    await command.start();
  }
  await eventually(
    'the reply appended',
    async () => (await deliveriesOf(db, TENANT, agentId))[0].status === 'succeeded',
  );

  expect(receiver.of(agentId)).toHaveLength(1);
  const messages = await eventually('the reply projected', async () => {
    const page = await messagesOf(conversationId);
    return page.length === 2 && page;
  });
  expect(messages.map((m) => [m.seq, m.actor, m.parts[0].text])).toEqual([
    [1, 'service:anonymous', 'anyone?'],
    [2, `agent:${agentId}`, 'worth the wait'],
  ]);
});

/** The Node receiver of docs/agents.md ("A receiver"), exactly as the page shows it. */
function documentedReceiver(): string {
  const page = readFileSync(join(__dirname, '../../docs/agents.md'), 'utf8');
  const section = page.slice(page.indexOf('## A receiver'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) {
    throw new Error('docs/agents.md has no js block under "A receiver"');
  }
  return code;
}

it('runs the receiver of docs/agents.md as written: it verifies the signature and its answer is appended once', async () => {
  const port = allocatePort();
  const { id: agentId, secret } = await register('documented');
  expect((await call('PATCH', `/v1/agents/${agentId}`, { webhook_url: `http://127.0.0.1:${port}/` })).status).toBe(200);
  const child = spawn(process.execPath, ['-e', documentedReceiver()], {
    cwd: join(__dirname, '../..'),
    env: { ...process.env, SIGNING_SECRET: secret, PORT: String(port) },
    stdio: 'inherit',
  });
  try {
    await eventually('the documented receiver listening', async () =>
      fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).then(
        (res) => res.status === 401,
        () => false,
      ),
    );
    const conversationId = await conversationWith(agentId);
    await append(conversationId, 'hello');
    const messages = await eventually('the documented reply appended', async () => {
      const page = await messagesOf(conversationId);
      return page.length === 2 && page;
    });
    expect(messages.map((m) => [m.seq, m.actor, m.parts[0].text])).toEqual([
      [1, 'service:anonymous', 'hello'],
      [2, `agent:${agentId}`, 'you said: hello'],
    ]);
  } finally {
    child.kill();
  }
});
