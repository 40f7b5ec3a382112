import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { createApiKey } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { deliveriesOf, dispatcherProcess, Receiver } from './support';

/**
 * The dispatcher as deployed: AUTH_MODE=on, two tenants with an agent of the same id each, and the dispatcher
 * appending replies with its own API key (scope deliveries:reply). Each tenant's agent gets its own tenant's
 * messages only, and its reply lands in its own tenant's conversation.
 */
const run = randomBytes(4).toString('hex');
const TENANTS = [`dispatch-a-${run}`, `dispatch-b-${run}`];
const AGENT = 'helper';
const stack = new CommandStack('dispatch-auth', 1, { AUTH_MODE: 'on' });
const receiver = new Receiver();
const db = new Pool({ connectionString: stack.env.DATABASE_URL, max: 2 });
const keys = new Map<string, string>();
let dispatcher: ServiceProcess;

beforeAll(async () => {
  await receiver.start();
  await stack.start();
  for (const tenant of TENANTS) {
    const scopes = ['agents:manage', 'conversations:read', 'conversations:write', 'messages:append'];
    keys.set(tenant, createApiKey(stack.env, tenant, 'user:ops', scopes).key);
  }
  const dispatcherKey = createApiKey(stack.env, 'ops', 'service:dispatcher', ['deliveries:reply']).key;
  dispatcher = dispatcherProcess('dispatch-auth', { ...stack.env, DISPATCHER_API_KEY: dispatcherKey }, stack.baseUrl);
  await dispatcher.start();
}, 120_000);
afterAll(async () => {
  await dispatcher?.stop();
  await stack.stop();
  await receiver.stop();
  for (const table of ['deliveries', 'dispatch_participants', 'agents']) {
    await db.query(`DELETE FROM ${table} WHERE tenant_id = ANY($1)`, [TENANTS]);
  }
  await db.end();
});

const call = (tenant: string, method: string, path: string, body?: unknown) =>
  api(stack.baseUrl, method, path, body, undefined, { headers: { authorization: `Bearer ${keys.get(tenant)}` } });

it("delivers each tenant's messages to its own agent only, and appends the reply with the dispatcher's key", async () => {
  const conversationId = `shared-id-${run}`;
  for (const [i, tenant] of TENANTS.entries()) {
    // Both agents have the same id; the receiver tells them apart by their webhook path.
    const registered = await call(tenant, 'POST', '/v1/agents', { id: AGENT, webhook_url: receiver.url(`t${i}`) });
    expect(registered.status).toBe(201);
    receiver.behave(`t${i}`, () => ({
      status: 200,
      body: JSON.stringify({ messages: [textMessage(`reply in ${tenant}`, 'assistant')] }),
    }));
    const participants = [
      { id: 'ops', kind: 'user' },
      { id: AGENT, kind: 'agent' },
    ];
    expect((await call(tenant, 'PUT', `/v1/conversations/${conversationId}`, { participants })).status).toBe(200);
    const appended = await call(tenant, 'POST', `/v1/conversations/${conversationId}/messages`, {
      message: textMessage(`question in ${tenant}`),
    });
    expect(appended.status).toBe(201);
  }

  for (const [i, tenant] of TENANTS.entries()) {
    await eventually(`the reply in ${tenant}`, async () => {
      const rows = await deliveriesOf(db, tenant, AGENT);
      return rows.length === 1 && rows[0].status === 'succeeded' && rows[0].reply_appended_at !== null;
    });
    const requests = receiver.of(`t${i}`);
    expect(requests.map((r) => r.body.messages.map((m) => m.parts[0].text))).toEqual([[`question in ${tenant}`]]);
    const page = await call(tenant, 'GET', `/v1/conversations/${conversationId}/messages?from=1`);
    const messages = page.body.messages as Array<{ seq: number; actor: string; parts: Array<{ text: string }> }>;
    expect(messages.map((m) => [m.seq, m.actor, m.parts[0].text])).toEqual([
      [1, 'user:ops', `question in ${tenant}`],
      [2, `agent:${AGENT}`, `reply in ${tenant}`],
    ]);
  }
});
