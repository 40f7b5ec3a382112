/**
 * examples/agent-worker (built into dist/) as a real process: the real dispatcher delivers a user's message to
 * it by a signed webhook, it replies through the SDK as the agent, and a redelivery of the same delivery
 * appends nothing twice. Authentication on (API keys).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { createClient, ThreadlineClient } from '@threadline/client';
import { CommandStack } from '../support/command-stack';
import { createApiKey } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { dispatcherProcess } from '../dispatcher/support';

const ROOT = join(__dirname, '..', '..');
const TENANT = `worker-${randomBytes(4).toString('hex')}`;
const AGENT = 'helper';
const stack = new CommandStack('agent-worker', 1, { AUTH_MODE: 'on' });
const port = allocatePort();
let dispatcher: ServiceProcess;
let worker: ChildProcess | null = null;
let user: ThreadlineClient;
let signingSecret: string;

beforeAll(async () => {
  await stack.start();
  const dispatcherKey = createApiKey(stack.env, 'ops', 'service:dispatcher', ['deliveries:reply']).key;
  dispatcher = dispatcherProcess('agent-worker', { ...stack.env, DISPATCHER_API_KEY: dispatcherKey }, stack.baseUrl);
  const scopes = ['agents:manage', 'conversations:read', 'conversations:write', 'messages:append'];
  user = createClient({ baseUrl: stack.baseUrl, apiKey: createApiKey(stack.env, TENANT, 'user:ada', scopes).key });
  const agent = await user.agents.create({ id: AGENT, webhook_url: `http://127.0.0.1:${port}/hook` });
  signingSecret = agent.signing_secret;
  mkdirSync(join(ROOT, '.data', 'test-logs'), { recursive: true });
  const log = createWriteStream(join(ROOT, '.data', 'test-logs', 'agent-worker-example.log'), { flags: 'a' });
  worker = spawn(process.execPath, [join(ROOT, 'dist', 'examples', 'agent-worker', 'src', 'main.js')], {
    env: {
      ...process.env,
      SIGNING_SECRET: agent.signing_secret,
      THREADLINE_URL: stack.baseUrl,
      THREADLINE_AGENT_KEY: createApiKey(stack.env, TENANT, `agent:${AGENT}`, ['messages:append']).key,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.pipe(log);
  worker.stderr?.pipe(log);
  await dispatcher.start();
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = once(worker, 'exit');
    worker.kill('SIGTERM');
    await exited;
  }
  await dispatcher?.stop();
  await stack.stop();
});

it('answers a delivered message as the agent through the SDK; the same delivery again appends nothing, a forged one is refused', async () => {
  const id = `chat-${randomBytes(4).toString('hex')}`;
  const convo = await user.conversation(id, {
    participants: [
      { id: 'ada', kind: 'user' },
      { id: AGENT, kind: 'agent' },
    ],
  });
  await convo.append({ role: 'user', parts: [{ type: 'text', text: 'hello' }] });
  const reply = await eventually('the agent reply', async () =>
    (await convo.replay()).messages.find((m) => m.seq === 2),
  );
  expect(reply).toMatchObject({
    kind: 'message',
    role: 'assistant',
    actor: `agent:${AGENT}`,
    parts: [{ text: 'you said: hello' }],
  });

  const delivery = await eventually('the delivery to succeed', async () => {
    const [first] = (await user.agents.deliveries(AGENT)).deliveries;
    return first?.status === 'succeeded' ? await user.deliveries.get(first.id) : null;
  });

  // The same delivery again (what a dispatcher retry after a lost answer sends): same webhook-id, signed anew.
  const body = JSON.stringify({ delivery_id: delivery.id, conversation: { id }, messages: delivery.messages });
  const again = await post(body, sign(delivery.id, body));
  expect(again.status).toBe(200);
  expect((await convo.replay()).messages.map((m) => m.seq)).toEqual([1, 2]);

  const forged = await post(body, { ...sign(delivery.id, body), 'webhook-signature': 'v1,Zm9yZ2Vk' });
  expect(forged.status).toBe(401);
});

function sign(webhookId: string, body: string): Record<string, string> {
  const timestamp = new Date();
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(signingSecret).sign(webhookId, timestamp, body),
  };
}

function post(body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/hook`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body,
  });
}
