/**
 * The command's delivery routes against a real command and Postgres (AUTH_MODE=on).
 * The dispatcher is not part of this test: delivery rows are written straight into
 * Postgres, as the dispatcher would. Read, page and filter an agent's deliveries,
 * read one with its attempts, redeliver a dead one (409 for a pending one), append
 * a reply exactly once when it is posted twice, and never reach another tenant's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { readTopic } from '../support/topic-reader';
import { db } from '../archiver/support';
import { schemaChecker } from '../support/openapi-schemas';

const idp = new TestIdentityProvider();
const run = randomBytes(4).toString('hex');
const TENANT = `deliv-${run}`;
const OTHER = `deliv-other-${run}`;
const conversation = `conv-${randomUUID()}`;
const otherConversation = `conv-${randomUUID()}`;
let stack: CommandStack;
const tokens = new Map<string, string>();

type Body = Record<string, unknown>;
const call = (who: string, method: string, path: string, body?: unknown): Promise<ApiResponse<Body>> =>
  api(stack.baseUrl, method, path, body, undefined, { headers: { authorization: `Bearer ${tokens.get(who)}` } });

interface Seeded {
  id: string;
  conversationId: string;
  status: string;
  attempts: number;
  /** created_at with microseconds, as Postgres keeps it (finer than a JS Date). */
  createdAt: string;
}

const seeded: Seeded[] = [];

/**
 * A delivery row as the dispatcher writes it. created_at has microseconds, and
 * deliveries 2 and 3 share theirs (the id breaks the tie), so paging must not lose
 * either to a millisecond cursor.
 */
async function seedDelivery(
  tenant: string,
  conversationId: string,
  status: string,
  attempts: number,
  index: number,
): Promise<Seeded> {
  const id = randomUUID();
  const createdAt = `2026-11-30T12:00:${String(index === 3 ? 2 : index).padStart(2, '0')}.123456Z`;
  const done = status === 'pending' || status === 'replying' ? null : createdAt;
  await db.query(
    `INSERT INTO deliveries (id, tenant_id, agent_id, conversation_id, first_seq, last_seq, messages, status,
       attempts, attempts_allowed, next_attempt_at, last_error, created_at, updated_at, completed_at,
       dead_lettered_at)
     VALUES ($1, $2, 'helper', $3, $4, $4, $5, $6, $7, 8, $8, $9, $8, $8, $10, $11)`,
    [
      id,
      tenant,
      conversationId,
      index + 1,
      JSON.stringify([{ seq: index + 1, role: 'user', parts: [{ type: 'text', text: `#${index}` }] }]),
      status,
      attempts,
      createdAt,
      status === 'dead' || status === 'failed' ? 'HTTP 500' : null,
      done,
      status === 'dead' ? createdAt : null,
    ],
  );
  const row = { id, conversationId, status, attempts, createdAt };
  seeded.push(row);
  return row;
}

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('deliveries-api', 1, idp.authEnv(jwksUrl));
  const manage = 'agents:manage conversations:read conversations:write';
  tokens.set('manager', await idp.token({ tenant_id: TENANT, sub: 'user:ops', scope: manage }));
  tokens.set('other', await idp.token({ tenant_id: OTHER, sub: 'user:ops', scope: manage }));
  tokens.set(
    'dispatcher',
    await idp.token({ tenant_id: 'platform', sub: 'service:dispatcher', scope: 'deliveries:reply' }),
  );
  await stack.start();

  expect(
    (await call('manager', 'POST', '/v1/agents', { id: 'helper', webhook_url: 'http://127.0.0.1:1/' })).status,
  ).toBe(201);
  expect((await call('other', 'POST', '/v1/agents', { id: 'helper', webhook_url: 'http://127.0.0.1:1/' })).status).toBe(
    201,
  );
  for (const id of [conversation, otherConversation]) {
    const created = await call('manager', 'PUT', `/v1/conversations/${id}`, {
      participants: [
        { id: 'ada', kind: 'user' },
        { id: 'helper', kind: 'agent' },
      ],
    });
    expect(created.status).toBe(200);
  }
  const statuses = ['succeeded', 'dead', 'failed', 'succeeded', 'pending', 'dead'];
  for (const [index, status] of statuses.entries()) {
    await seedDelivery(TENANT, index % 2 === 0 ? conversation : otherConversation, status, 3, index);
  }
  await seedDelivery(OTHER, conversation, 'dead', 8, 10);
  await db.query(
    `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, http_status, response_excerpt, error)
     VALUES ($1, 2, now(), 30, 500, 'oops', 'HTTP 500'), ($1, 1, now() - interval '1 second', 10001, NULL, NULL, 'timeout'),
            ($1, 3, now(), 12, 503, 'busy', 'HTTP 503')`,
    [seeded[1].id],
  );
});

afterAll(async () => {
  await stack.stop();
  await idp.stop();
  await db.end();
});

const idsOf = (page: ApiResponse<Body>) => (page.body.deliveries as Body[]).map((d) => d.id);
const mine = () => seeded.filter((d) => d.attempts === 3);
const newestFirst = (rows: Seeded[]) =>
  [...rows].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).map((d) => d.id);

describe('GET /v1/agents/{id}/deliveries', () => {
  it('lists the agent’s deliveries newest first, a page at a time, without the messages', async () => {
    const pages: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse<Body> = await call(
        'manager',
        'GET',
        `/v1/agents/helper/deliveries?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      pages.push(idsOf(page));
      cursor = page.body.next_cursor as string | null;
    } while (cursor !== null);
    expect(pages.flat()).toEqual(newestFirst(mine()));
    expect(pages).toHaveLength(2);
    const first = await call('manager', 'GET', '/v1/agents/helper/deliveries?limit=1');
    expect((first.body.deliveries as Body[])[0]).toMatchObject({
      id: seeded[5].id,
      agent_id: 'helper',
      conversation_id: otherConversation,
      first_seq: 6,
      last_seq: 6,
      status: 'dead',
      attempts: 3,
      attempts_allowed: 8,
      last_error: 'HTTP 500',
    });
    expect((first.body.deliveries as Body[])[0]).not.toHaveProperty('messages');
  });

  it('filters by status and by conversation', async () => {
    const dead = await call('manager', 'GET', '/v1/agents/helper/deliveries?status=dead');
    expect(idsOf(dead)).toEqual(newestFirst(mine().filter((d) => d.status === 'dead')));
    const inOne = await call('manager', 'GET', `/v1/agents/helper/deliveries?conversation_id=${conversation}`);
    expect(idsOf(inOne)).toEqual(newestFirst(mine().filter((d) => d.conversationId === conversation)));
  });

  it('refuses a bad status, cursor or limit with 400 invalid_query naming it', async () => {
    for (const [query, field] of [
      ['status=lost', 'status'],
      ['cursor=nonsense', 'cursor'],
      ['limit=101', 'limit'],
    ]) {
      const refused = await call('manager', 'GET', `/v1/agents/helper/deliveries?${query}`);
      expect([refused.status, refused.body.error]).toEqual([400, 'invalid_query']);
      expect(refused.body.message).toMatch(new RegExp(`^${field}: `));
    }
  });
});

describe('GET /v1/deliveries/{id}', () => {
  it('shows the delivery with its messages and every attempt, oldest first', async () => {
    const got = await call('manager', 'GET', `/v1/deliveries/${seeded[1].id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: seeded[1].id, status: 'dead', conversation_id: otherConversation });
    expect(got.body.messages).toEqual([{ seq: 2, role: 'user', parts: [{ type: 'text', text: '#1' }] }]);
    expect(got.body.attempt_log).toEqual([
      expect.objectContaining({ attempt: 1, duration_ms: 10001, http_status: null, error: 'timeout' }),
      expect.objectContaining({ attempt: 2, http_status: 500, response_excerpt: 'oops', error: 'HTTP 500' }),
      expect.objectContaining({ attempt: 3, http_status: 503, response_excerpt: 'busy' }),
    ]);
    expect((await call('manager', 'GET', `/v1/deliveries/${randomUUID()}`)).body.error).toBe('not_found');
    expect((await call('manager', 'GET', '/v1/deliveries/not-a-uuid')).status).toBe(404);
    expect((await call('manager', 'POST', '/v1/deliveries/not-a-uuid/redeliver')).status).toBe(404);
    const reply = { messages: [textMessage('x')] };
    expect((await call('dispatcher', 'POST', '/v1/deliveries/not-a-uuid/replies', reply)).status).toBe(404);
  });
});

describe('POST /v1/deliveries/{id}/redeliver', () => {
  it('makes a dead delivery pending again with the agent’s max_attempts more attempts (202)', async () => {
    const dead = seeded[5];
    const before = Date.now();
    const redelivered = await call('manager', 'POST', `/v1/deliveries/${dead.id}/redeliver`);
    expect(redelivered.status).toBe(202);
    expect(redelivered.body).toMatchObject({ id: dead.id, status: 'pending', attempts: 3, attempts_allowed: 11 });
    expect(redelivered.body.completed_at).toBeNull();
    expect(Date.parse(redelivered.body.next_attempt_at as string)).toBeGreaterThanOrEqual(before - 1000);
    const { rows } = await db.query<{ status: string; attempts_allowed: number; completed_at: Date | null }>(
      'SELECT status, attempts_allowed, completed_at FROM deliveries WHERE id = $1',
      [dead.id],
    );
    expect(rows[0]).toEqual({ status: 'pending', attempts_allowed: 11, completed_at: null });
  });

  it('redelivers a failed delivery too, and refuses a pending or succeeded one with 409 not_redeliverable', async () => {
    expect((await call('manager', 'POST', `/v1/deliveries/${seeded[2].id}/redeliver`)).status).toBe(202);
    for (const row of [seeded[4], seeded[0], seeded[5]]) {
      const refused = await call('manager', 'POST', `/v1/deliveries/${row.id}/redeliver`);
      expect([refused.status, refused.body.error]).toEqual([409, 'not_redeliverable']);
    }
    const { rows } = await db.query<{ status: string }>('SELECT status FROM deliveries WHERE id = $1', [seeded[0].id]);
    expect(rows[0].status).toBe('succeeded');
  });
});

describe('another tenant', () => {
  it('cannot read, list or redeliver this tenant’s deliveries (404), and sees only its own', async () => {
    const theirs = seeded[6];
    const mineDead = seeded[1];
    expect((await call('other', 'GET', `/v1/deliveries/${mineDead.id}`)).status).toBe(404);
    const redeliver = await call('other', 'POST', `/v1/deliveries/${mineDead.id}/redeliver`);
    expect([redeliver.status, redeliver.body.error]).toEqual([404, 'not_found']);
    const { rows } = await db.query<{ status: string }>('SELECT status FROM deliveries WHERE id = $1', [mineDead.id]);
    expect(rows[0].status).toBe('dead');
    expect(idsOf(await call('other', 'GET', '/v1/agents/helper/deliveries'))).toEqual([theirs.id]);
    expect((await call('manager', 'GET', `/v1/deliveries/${theirs.id}`)).status).toBe(404);
    expect((await call('other', 'GET', '/v1/agents/nobody/deliveries')).body.error).toBe('not_found');
  });
});

describe('POST /v1/deliveries/{id}/replies', () => {
  it('appends the reply once as agent:<agent>, even when it is posted twice, answering the same seqs', async () => {
    const delivery = seeded[0];
    const reply = { messages: [textMessage('On it', 'assistant'), textMessage('Done', 'assistant')] };
    const first = await call('dispatcher', 'POST', `/v1/deliveries/${delivery.id}/replies`, reply);
    expect(first.status).toBe(200);
    const second = await call('dispatcher', 'POST', `/v1/deliveries/${delivery.id}/replies`, reply);
    expect(second.status).toBe(200);
    expect(second.body.seqs).toEqual(first.body.seqs);
    expect((first.body.messages as Body[]).map((m) => m.deduped)).toEqual([false, false]);
    expect((second.body.messages as Body[]).map((m) => m.deduped)).toEqual([true, true]);

    const appended = (await readTopic(stack.env.KAFKA_TOPIC))
      .map((r) => r.event)
      .filter((e) => e.type === 'message.appended' && e.tenant_id === TENANT && e.conversation_id === conversation);
    expect(appended).toHaveLength(2);
    expect(
      appended.map((e) => (e.type === 'message.appended' ? [e.seq, e.data.actor, e.data.producer_id] : [])),
    ).toEqual([
      [(first.body.seqs as number[])[0], 'agent:helper', `delivery:${delivery.id}`],
      [(first.body.seqs as number[])[1], 'agent:helper', `delivery:${delivery.id}`],
    ]);
  });

  it('needs deliveries:reply (agents:manage alone is 403), takes at most 20 messages, 404 for no such delivery', async () => {
    const refused = await call('manager', 'POST', `/v1/deliveries/${seeded[2].id}/replies`, {
      messages: [textMessage('x')],
    });
    expect([refused.status, refused.body.error]).toEqual([403, 'forbidden_scope']);
    const bad = await call('dispatcher', 'POST', `/v1/deliveries/${seeded[2].id}/replies`, {
      messages: Array.from({ length: 21 }, () => textMessage('x')),
    });
    expect([bad.status, bad.body.error]).toEqual([400, 'invalid_message']);
    expect(bad.body.message).toMatch(/^messages: /);
    const unknown = await call('dispatcher', 'POST', `/v1/deliveries/${randomUUID()}/replies`, {
      messages: [textMessage('x')],
    });
    expect([unknown.status, unknown.body.error]).toEqual([404, 'not_found']);
  });
});

describe('the OpenAPI document', () => {
  it('describes the real answers of the agent and delivery routes', async () => {
    const doc = await call('manager', 'GET', '/v1/openapi.json');
    const checkSchema = schemaChecker(doc.body);
    const check = (name: string, answer: ApiResponse<Body>) => checkSchema(name, answer.body);
    const agent = { id: 'schema-check', webhook_url: 'https://a.example/', history: { mode: 'tail' } };
    check('AgentWithSecret', await call('manager', 'POST', '/v1/agents', agent));
    check('Agent', await call('manager', 'GET', '/v1/agents/schema-check'));
    check('Agent', await call('manager', 'PATCH', '/v1/agents/schema-check', { name: 'Schema' }));
    check('AgentWithSecret', await call('manager', 'POST', '/v1/agents/schema-check/rotate-secret'));
    check('AgentList', await call('manager', 'GET', '/v1/agents?limit=1'));
    check('DeliveryList', await call('manager', 'GET', '/v1/agents/helper/deliveries?limit=2'));
    check('DeliveryDetail', await call('manager', 'GET', `/v1/deliveries/${seeded[1].id}`));
    check('Delivery', await call('manager', 'POST', `/v1/deliveries/${seeded[1].id}/redeliver`));
    const reply = { messages: [textMessage('schema', 'assistant')] };
    check('ReplyResult', await call('dispatcher', 'POST', `/v1/deliveries/${seeded[1].id}/replies`, reply));
    check('Error', await call('manager', 'POST', `/v1/deliveries/${seeded[1].id}/redeliver`));
  });
});
