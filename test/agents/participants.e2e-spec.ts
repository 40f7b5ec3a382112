/**
 * Participants on PUT /v1/conversations/{id}, through a real command and the real
 * topic (AUTH_MODE=on, two tenants): a create names them in conversation.created,
 * a different list publishes conversation.participants_set once, the same list
 * nothing; an agent participant must be a registered agent of the caller's tenant
 * (400 unknown_agent naming the field, nothing produced); the conversation view
 * shows the list at once, and again after its head-index record is reloaded from
 * Postgres.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { conversationKey } from '@threadline/contracts';
import { api, ApiResponse } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually } from '../support/service-process';
import { TEST_REDIS_URL } from '../support/test-env';
import { readTopic } from '../support/topic-reader';
import { db } from '../archiver/support';

const idp = new TestIdentityProvider();
const run = randomBytes(4).toString('hex');
const TENANT = `parts-${run}`;
const OTHER = `parts-other-${run}`;
const SCOPES = 'agents:manage conversations:read conversations:write';
let stack: CommandStack;
const tokens = new Map<string, string>();

type Body = Record<string, unknown>;
const call = (tenant: string, method: string, path: string, body?: unknown, instance = 0): Promise<ApiResponse<Body>> =>
  api(stack.commands[instance].baseUrl, method, path, body, undefined, {
    headers: { authorization: `Bearer ${tokens.get(tenant)}` },
  });

/** The events of one conversation of the test's topic, in topic order. */
async function eventsOf(tenant: string, conversationId: string) {
  const records = await readTopic(stack.env.KAFKA_TOPIC);
  return records
    .map((r) => r.event)
    .filter((e) => e.conversation_id === conversationId && 'tenant_id' in e && e.tenant_id === tenant);
}

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('participants', 2, idp.authEnv(jwksUrl));
  for (const tenant of [TENANT, OTHER]) {
    tokens.set(tenant, await idp.token({ tenant_id: tenant, sub: 'user:ops', scope: SCOPES }));
  }
  await stack.start();
  for (const id of ['planner', 'critic']) {
    expect((await call(TENANT, 'POST', '/v1/agents', { id, webhook_url: 'http://127.0.0.1:1/' })).status).toBe(201);
  }
  expect((await call(OTHER, 'POST', '/v1/agents', { id: 'outsider', webhook_url: 'http://127.0.0.1:1/' })).status).toBe(
    201,
  );
});

afterAll(async () => {
  await stack.stop();
  await idp.stop();
  await db.end();
});

describe('participants on PUT /v1/conversations/{id}', () => {
  const id = `conv-${randomUUID()}`;
  const initial = [
    { id: 'planner', kind: 'agent' },
    { id: 'ada', kind: 'user' },
    { id: 'billing', kind: 'system' },
  ];
  const sorted = [
    { id: 'ada', kind: 'user' },
    { id: 'billing', kind: 'system' },
    { id: 'planner', kind: 'agent' },
  ];

  it('names them in conversation.created and shows them (ordered by id) at once', async () => {
    const created = await call(TENANT, 'PUT', `/v1/conversations/${id}`, { participants: initial });
    expect(created.status).toBe(200);
    expect(created.body.participants).toEqual(sorted);
    expect((await call(TENANT, 'GET', `/v1/conversations/${id}`)).body.participants).toEqual(sorted);

    const events = await eventsOf(TENANT, id);
    expect(events.map((e) => e.type)).toEqual(['conversation.created']);
    expect(events[0]).toMatchObject({ data: { metadata: {}, participants: sorted } });
  });

  it('publishes conversation.participants_set once for a new list, and nothing for the same list again', async () => {
    const next = [
      { id: 'critic', kind: 'agent' },
      { id: 'ada', kind: 'user' },
    ];
    const changed = await call(TENANT, 'PUT', `/v1/conversations/${id}`, { participants: next });
    expect(changed.status).toBe(200);
    expect(changed.body.participants).toEqual([next[1], next[0]]);
    const again = await call(TENANT, 'PUT', `/v1/conversations/${id}`, { participants: [next[1], next[0]] });
    expect(again.status).toBe(200);
    const without = await call(TENANT, 'PUT', `/v1/conversations/${id}`, { metadata: { ignored: true } });
    expect(without.body).toMatchObject({ participants: [next[1], next[0]], metadata: {} });

    const events = await eventsOf(TENANT, id);
    expect(events.map((e) => e.type)).toEqual(['conversation.created', 'conversation.participants_set']);
    expect(events[1]).toMatchObject({ data: { participants: [next[1], next[0]] } });
    expect((await call(TENANT, 'GET', `/v1/conversations/${id}`)).body.participants).toEqual([next[1], next[0]]);
  });

  it('refuses an agent participant that is not a registered agent: 400 unknown_agent naming the field', async () => {
    const fresh = `conv-${randomUUID()}`;
    const refused = await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, {
      participants: [
        { id: 'ada', kind: 'user' },
        { id: 'planner', kind: 'agent' },
        { id: 'ghost', kind: 'agent' },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unknown_agent');
    expect(refused.body.message).toMatch(/^participants\.2\.id: /);
    expect((await call(TENANT, 'GET', `/v1/conversations/${fresh}`)).status).toBe(404);

    const onExisting = await call(TENANT, 'PUT', `/v1/conversations/${id}`, {
      participants: [{ id: 'ghost', kind: 'agent' }],
    });
    expect(onExisting.body.error).toBe('unknown_agent');
    expect(await eventsOf(TENANT, fresh)).toEqual([]);
    expect((await eventsOf(TENANT, id)).map((e) => e.type)).toEqual([
      'conversation.created',
      'conversation.participants_set',
    ]);
  });

  it('treats another tenant’s agent id as unknown', async () => {
    const fresh = `conv-${randomUUID()}`;
    const refused = await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, {
      participants: [{ id: 'outsider', kind: 'agent' }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unknown_agent');
    expect(refused.body.message).toContain('participants.0.id');
    expect(await eventsOf(TENANT, fresh)).toEqual([]);
  });

  it('refuses a malformed list with 400 bad_request naming the field', async () => {
    const fresh = `conv-${randomUUID()}`;
    const duplicate = await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, {
      participants: [
        { id: 'ada', kind: 'user' },
        { id: 'ada', kind: 'user' },
      ],
    });
    expect([duplicate.status, duplicate.body.error]).toEqual([400, 'bad_request']);
    expect(duplicate.body.message).toMatch(/^participants: /);
    const badKind = await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, {
      participants: [{ id: 'ada', kind: 'robot' }],
    });
    expect([badKind.status, badKind.body.error]).toEqual([400, 'bad_request']);
    expect(badKind.body.message).toMatch(/^participants\.0\.kind: /);
  });

  it('loads the list from conversation_participants when the head index lost the record', async () => {
    const fresh = `conv-${randomUUID()}`;
    expect((await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, {})).body.participants).toEqual([]);
    await eventually('the projector has the conversation', async () => {
      const { rows } = await db.query('SELECT 1 FROM conversations WHERE tenant_id = $1 AND id = $2', [TENANT, fresh]);
      return rows.length === 1;
    });
    await db.query(
      `INSERT INTO conversation_participants (tenant_id, conversation_id, participant_id, kind, added_at)
       VALUES ($1, $2, 'zed', 'user', now()), ($1, $2, 'critic', 'agent', now())`,
      [TENANT, fresh],
    );
    const redis = createClient({ url: TEST_REDIS_URL });
    await redis.connect();
    await redis.del(`${stack.env.REDIS_KEY_PREFIX}:c:${conversationKey({ tenantId: TENANT, conversationId: fresh })}`);
    await redis.quit();

    expect((await call(TENANT, 'GET', `/v1/conversations/${fresh}`)).body.participants).toEqual([
      { id: 'critic', kind: 'agent' },
      { id: 'zed', kind: 'user' },
    ]);
  });

  it('shows a change at once on every command instance', async () => {
    const fresh = `conv-${randomUUID()}`;
    const list = [{ id: 'ada', kind: 'user' }];
    expect((await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, { participants: list }, 0)).status).toBe(200);
    expect((await call(TENANT, 'GET', `/v1/conversations/${fresh}`, undefined, 1)).body.participants).toEqual(list);
    const next = [{ id: 'planner', kind: 'agent' }];
    expect((await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, { participants: next }, 1)).status).toBe(200);
    expect((await call(TENANT, 'GET', `/v1/conversations/${fresh}`, undefined, 0)).body.participants).toEqual(next);
  });

  it('under concurrent changes, ends with the list of the last participants_set in the topic', async () => {
    const fresh = `conv-${randomUUID()}`;
    expect((await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, {})).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(TENANT, 'PUT', `/v1/conversations/${fresh}`, { participants: [{ id: `user-${i}`, kind: 'user' }] }, i % 2),
      ),
    );
    for (const answer of answers) {
      expect([200, 503]).toContain(answer.status);
      if (answer.status === 503) {
        expect(answer.body.error).toBe('index_busy');
      }
    }
    const changes = (await eventsOf(TENANT, fresh)).filter((e) => e.type === 'conversation.participants_set');
    expect(changes.length).toBe(answers.filter((a) => a.status === 200).length);
    const last = changes[changes.length - 1];
    expect((await call(TENANT, 'GET', `/v1/conversations/${fresh}`)).body.participants).toEqual(
      last.type === 'conversation.participants_set' ? last.data.participants : null,
    );
  });

  it('refuses to change the participants of a deleted conversation: 410, nothing produced', async () => {
    const fresh = `conv-${randomUUID()}`;
    expect((await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, {})).status).toBe(200);
    expect((await call(TENANT, 'DELETE', `/v1/conversations/${fresh}`)).status).toBe(204);
    const refused = await call(TENANT, 'PUT', `/v1/conversations/${fresh}`, {
      participants: [{ id: 'a', kind: 'user' }],
    });
    expect([refused.status, refused.body.error]).toEqual([410, 'conversation_tombstoned']);
    expect((await eventsOf(TENANT, fresh)).map((e) => e.type)).toEqual([
      'conversation.created',
      'conversation.deleted',
    ]);
  });
});
