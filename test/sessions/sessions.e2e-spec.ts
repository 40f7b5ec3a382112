/**
 * Starcite's session API through the real command and projector (AUTH_MODE=on,
 * JWTs of two tenants): the Starcite README's curl sequence with its own bodies,
 * sessions and conversations as two views of one log (mixed clients), PATCH with
 * expected_version, archive and the listing (keyset pages and metadata filters
 * over 10,000 sessions while more are created), and tenant isolation on every
 * route. Each run uses fresh tenants, so the shared test database holds nothing
 * else in them.
 */
import { randomBytes } from 'node:crypto';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { TenantCaller } from '../support/tenant-caller';
import { eventually } from '../support/service-process';
import { schemaChecker } from '../support/openapi-schemas';

const SCOPES = 'conversations:read conversations:write messages:append';
const run = randomBytes(4).toString('hex');
const ACME = `acme-${run}`;
const GLOBEX = `globex-${run}`;
const CROWD = `crowd-${run}`;
const idp = new TestIdentityProvider();
let stack: CommandStack;

interface Session {
  id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  last_seq: number;
  version: number;
  archived: boolean;
  created_at: string;
  updated_at: string;
  creator_principal: { tenant_id: string; id: string; type: string } | null;
}

interface SessionList {
  sessions: Session[];
  next_cursor: string | null;
}

const caller = new TenantCaller(idp, SCOPES, () => stack.baseUrl);
const call = caller.call.bind(caller);

const drafter = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, rawBody?: string) =>
  call<T>(ACME, 'agent:drafter', method, path, body, rawBody);

/** Every session of a listing, page by page; `during` runs once, between the first and the second page. */
async function listAll(tenant: string, query: string, limit: number, during?: () => Promise<void>) {
  const sessions: Session[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const after: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const res = await call<SessionList>(tenant, 'service:lister', 'GET', `/v1/sessions?limit=${limit}${query}${after}`);
    expect(res.status).toBe(200);
    sessions.push(...res.body.sessions);
    cursor = res.body.next_cursor;
    pages += 1;
    if (pages === 1 && during) {
      await during();
    }
  } while (cursor !== null);
  return sessions;
}

/** Runs `task` over 0..count-1 with at most `width` in flight. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next;
        next += 1;
        await task(i);
      }
    }),
  );
}

const listedIds = async (tenant: string, query = '') =>
  (await listAll(tenant, query, 1000)).map((session) => session.id);

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('sessions', 1, idp.authEnv(jwksUrl));
  await stack.start();
});

afterAll(async () => {
  await stack?.stop();
  await idp.stop();
});

describe("the Starcite README's curl sequence", () => {
  const createBody = `{
    "id": "ses_demo",
    "title": "Draft contract",
    "metadata": {"tenant_id": "acme"}
  }`;
  const appendBody = `{
    "type": "content",
    "payload": {"text": "Reviewing clause 4.2..."},
    "actor": "agent:drafter",
    "producer_id": "agent-drafter-1",
    "producer_seq": 42,
    "expected_seq": 1
  }`;

  it('creates ses_demo as given, with its creator, and refuses the id a second time', async () => {
    const created = await drafter<Session>('POST', '/v1/sessions', undefined, createBody);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: 'ses_demo',
      title: 'Draft contract',
      metadata: { tenant_id: 'acme' },
      last_seq: 0,
      version: 0,
      archived: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      creator_principal: { tenant_id: ACME, id: 'drafter', type: 'agent' },
    });
    const again = await drafter('POST', '/v1/sessions', undefined, createBody);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('session_exists');
  });

  it('appends its body: expected_seq 1 conflicts on a new session, holds at seq 1, and a retry is deduped', async () => {
    const early = await drafter('POST', '/v1/sessions/ses_demo/append', undefined, appendBody);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ error: 'expected_seq_conflict', message: 'Expected seq 1, current seq is 0' });

    const first = await drafter('POST', '/v1/sessions/ses_demo/append', {
      type: 'content',
      payload: { text: 'Opening the contract' },
      producer_id: 'agent-drafter-1',
      producer_seq: 41,
      expected_seq: 0,
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ seq: 1, last_seq: 1, deduped: false });

    const appended = await drafter('POST', '/v1/sessions/ses_demo/append', undefined, appendBody);
    expect(appended.status).toBe(201);
    expect(appended.body).toEqual({ seq: 2, last_seq: 2, deduped: false });

    const retried = await drafter('POST', '/v1/sessions/ses_demo/append', undefined, appendBody);
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual({ seq: 2, last_seq: 2, deduped: true });

    const changed = await drafter('POST', '/v1/sessions/ses_demo/append', {
      type: 'content',
      payload: { text: 'Reviewing clause 4.3...' },
      producer_id: 'agent-drafter-1',
      producer_seq: 42,
    });
    expect(changed.status).toBe(409);
    expect(changed.body.error).toBe('producer_replay_conflict');
  });

  it("refuses an actor that is not the caller's subject, and an event without a producer pair", async () => {
    const other = await call(ACME, 'agent:reviewer', 'POST', '/v1/sessions/ses_demo/append', undefined, appendBody);
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('forbidden_actor');
    const unpaired = await drafter('POST', '/v1/sessions/ses_demo/append', { type: 'content', payload: {} });
    expect(unpaired.status).toBe(400);
    expect(unpaired.body).toMatchObject({ error: 'invalid_event', message: expect.stringContaining('producer_id') });
  });
});

describe('sessions and conversations are one log (mixed clients)', () => {
  it('reads a session event as a message, and a message appended as a conversation as a session event', async () => {
    const id = `mixed-${run}`;
    expect((await drafter('POST', '/v1/sessions', { id, title: 'Mixed' })).status).toBe(201);
    const event = { type: 'state', payload: { state: 'running' }, source: 'planner', refs: { step: 1 } };
    expect(
      (await drafter('POST', `/v1/sessions/${id}/append`, { ...event, producer_id: 'p', producer_seq: 1 })).status,
    ).toBe(201);
    const byUser = await call(ACME, 'user:ada', 'POST', `/v1/conversations/${id}/messages`, {
      message: textMessage('what is the state?'),
    });
    expect(byUser.body).toMatchObject({ seq: 2 });

    const messages = await call<{ messages: Record<string, unknown>[] }>(
      ACME,
      'user:ada',
      'GET',
      `/v1/conversations/${id}/messages`,
    );
    expect(messages.body.messages[0]).toMatchObject({
      seq: 1,
      role: 'assistant',
      parts: [{ type: 'data', data: { state: 'running' } }],
      actor: 'agent:drafter',
      metadata: { starcite: { type: 'state', source: 'planner', refs: { step: 1 } } },
    });

    const events = await drafter<{ events: Record<string, unknown>[]; next_cursor: number }>(
      'GET',
      `/v1/sessions/${id}/events?cursor=0`,
    );
    expect(events.body.events).toEqual([
      expect.objectContaining({ seq: 1, cursor: 1, ...event, metadata: {}, actor: 'agent:drafter', producer_seq: 1 }),
      expect.objectContaining({
        seq: 2,
        type: 'message',
        payload: { role: 'user', parts: [{ type: 'text', text: 'what is the state?' }] },
        actor: 'user:ada',
      }),
    ]);
    expect(events.body.next_cursor).toBe(2);
    expect(
      (await drafter<{ events: unknown[] }>('GET', `/v1/sessions/${id}/events?cursor=1`)).body.events,
    ).toHaveLength(1);

    const asSession = await drafter<Session>('GET', `/v1/sessions/${id}`);
    expect(asSession.body).toMatchObject({ id, title: 'Mixed', last_seq: 2 });
  });

  it('shows a conversation created on the conversation API as a session, with its creator', async () => {
    const id = `conv-${run}`;
    expect((await call(ACME, 'user:ada', 'PUT', `/v1/conversations/${id}`, { metadata: { k: 'v' } })).status).toBe(200);
    const session = await drafter<Session>('GET', `/v1/sessions/${id}`);
    expect(session.body).toMatchObject({
      id,
      title: null,
      metadata: { k: 'v' },
      version: 0,
      creator_principal: { tenant_id: ACME, id: 'ada', type: 'user' },
    });
  });
});

describe('PATCH, archive and unarchive', () => {
  it('merges metadata key by key, replaces or clears the title, and counts versions', async () => {
    const id = `patch-${run}`;
    await drafter('POST', '/v1/sessions', { id, title: 'One', metadata: { a: 1, b: { x: 1 } } });
    const patched = await drafter<Session>('PATCH', `/v1/sessions/${id}`, {
      title: 'Two',
      metadata: { b: { y: 2 }, c: 3 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      title: 'Two',
      metadata: { a: 1, b: { y: 2 }, c: 3 },
      version: 1,
      last_seq: 0,
    });
    const cleared = await drafter<Session>('PATCH', `/v1/sessions/${id}`, { title: null, expected_version: 1 });
    expect(cleared.body).toMatchObject({ title: null, version: 2 });
    expect((await drafter<Session>('GET', `/v1/sessions/${id}`)).body).toMatchObject({ title: null, version: 2 });
  });

  it('refuses a stale expected_version with 409 expected_version_conflict and the current version', async () => {
    const id = `cas-${run}`;
    await drafter('POST', '/v1/sessions', { id });
    expect((await drafter('PATCH', `/v1/sessions/${id}`, { title: 'first', expected_version: 0 })).status).toBe(200);
    const stale = await drafter('PATCH', `/v1/sessions/${id}`, { title: 'second', expected_version: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      error: 'expected_version_conflict',
      message: 'Expected version 0, current version is 1',
      current_version: 1,
    });
    const empty = await drafter('PATCH', `/v1/sessions/${id}`, {});
    expect(empty.status).toBe(400);
    const badMetadata = await drafter('PATCH', `/v1/sessions/${id}`, { metadata: [1] });
    expect(badMetadata.body.error).toBe('invalid_metadata');
  });

  it('hides an archived session from the default listing until it is unarchived, and lists it on request', async () => {
    const id = `archive-${run}`;
    await drafter('POST', '/v1/sessions', { id, metadata: { shelf: run } });
    const filter = `&metadata.shelf=${run}`;
    await eventually('the session listed', async () => (await listedIds(ACME, filter)).includes(id));
    const archived = await drafter<Session>('POST', `/v1/sessions/${id}/archive`);
    expect(archived.body).toMatchObject({ archived: true, version: 1 });
    await eventually('the session hidden', async () => !(await listedIds(ACME, filter)).includes(id));
    expect(await listedIds(ACME, `${filter}&archived=true`)).toEqual([id]);
    expect(await listedIds(ACME, `${filter}&archived=all`)).toEqual([id]);
    expect((await drafter<Session>('POST', `/v1/sessions/${id}/unarchive`)).body).toMatchObject({
      archived: false,
      version: 2,
    });
    await eventually('the session listed again', async () => (await listedIds(ACME, filter)).includes(id));
    expect((await drafter<Session>('GET', `/v1/sessions/${id}`)).body.archived).toBe(false);
  });
});

describe('listing 10,000 sessions', () => {
  const COUNT = 10_000;
  const create = (id: string, metadata: Record<string, string>) =>
    call(CROWD, 'service:loader', 'POST', '/v1/sessions', { id, metadata }).then((res) => {
      expect(res.status).toBe(201);
    });

  beforeAll(async () => {
    await inParallel(COUNT, 128, (i) =>
      create(`s${String(i).padStart(5, '0')}`, { group: String(i % 10), parity: i % 2 === 0 ? 'even' : 'odd' }),
    );
    await eventually(
      'the last group projected',
      async () => (await listedIds(CROWD, '&metadata.group=9&metadata.parity=odd')).length === COUNT / 10,
      60_000,
      200,
    );
    await eventually('every session projected', async () => (await listedIds(CROWD)).length === COUNT, 30_000, 500);
  }, 120_000);

  it('pages through every session exactly once, in a stable order, while more are created', async () => {
    let late = 0;
    const listed = await listAll(CROWD, '', 700, () =>
      inParallel(300, 16, async (i) => {
        await create(`late-${i}`, { group: 'late', parity: 'late' });
        late += 1;
      }),
    );
    expect(late).toBe(300);
    const ids = listed.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    const early = ids.filter((id) => !id.startsWith('late-'));
    expect(early).toHaveLength(COUNT);
    const keys = listed.map((s) => [s.created_at, s.id] as const);
    for (let i = 1; i < keys.length; i += 1) {
      const [at, id] = keys[i];
      const [prevAt, prevId] = keys[i - 1];
      expect(at > prevAt || (at === prevAt && id > prevId)).toBe(true);
    }
  }, 60_000);

  it('filters by exact metadata, every filter AND-ed, and reports a bad cursor', async () => {
    const group3 = await listedIds(CROWD, '&metadata.group=3');
    expect(group3).toHaveLength(COUNT / 10);
    expect(group3.every((id) => Number(id.slice(1)) % 10 === 3)).toBe(true);
    const both = await listedIds(CROWD, '&metadata.group=4&metadata.parity=even');
    expect(both).toHaveLength(COUNT / 10);
    expect(await listedIds(CROWD, '&metadata.group=4&metadata.parity=odd')).toEqual([]);
    const bad = await call(CROWD, 'service:lister', 'GET', '/v1/sessions?cursor=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_cursor');
  });

  it('lists the same conversations on GET /v1/conversations', async () => {
    const res = await call<{ conversations: { id: string }[]; next_cursor: string | null }>(
      CROWD,
      'service:lister',
      'GET',
      '/v1/conversations?limit=3&metadata.group=7',
    );
    const sessions = await call<SessionList>(CROWD, 'service:lister', 'GET', '/v1/sessions?limit=3&metadata.group=7');
    expect(res.body.conversations.map((c) => c.id)).toEqual(sessions.body.sessions.map((s) => s.id));
    expect(res.body.conversations).toHaveLength(3);
    expect(res.body.next_cursor).toEqual(expect.any(String));
  });
});

describe('tenant isolation and credentials', () => {
  it('gives another tenant nothing of ses_demo on any route, and lets it have its own ses_demo', async () => {
    const globex = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
      call<T>(GLOBEX, 'agent:drafter', method, path, body);
    for (const [method, path, body] of [
      ['GET', '/v1/sessions/ses_demo', undefined],
      ['PATCH', '/v1/sessions/ses_demo', { title: 'x' }],
      ['POST', '/v1/sessions/ses_demo/archive', undefined],
      ['POST', '/v1/sessions/ses_demo/unarchive', undefined],
      ['POST', '/v1/sessions/ses_demo/append', { type: 'content', payload: {}, producer_id: 'p', producer_seq: 1 }],
      ['GET', '/v1/sessions/ses_demo/events', undefined],
    ] as const) {
      const res = await globex(method, path, body);
      expect([path, res.status, res.body.error]).toEqual([path, 404, 'session_not_found']);
    }
    const listed = await globex<SessionList>('GET', '/v1/sessions?archived=all');
    expect(listed.body.sessions).toEqual([]);
    const conversations = await globex<{ conversations: unknown[] }>('GET', '/v1/conversations');
    expect(conversations.body.conversations).toEqual([]);
    const own = await globex<Session>('POST', '/v1/sessions', { id: 'ses_demo' });
    expect(own.status).toBe(201);
    expect(own.body.last_seq).toBe(0);
    expect((await drafter<Session>('GET', '/v1/sessions/ses_demo')).body.last_seq).toBe(2);
  });

  it('answers 401 unauthorized without a credential and 403 forbidden_scope without the scope', async () => {
    const anonymous = await api(stack.baseUrl, 'GET', '/v1/sessions');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('unauthorized');
    const reader = await idp.token({ tenant_id: ACME, sub: 'user:reader', scope: 'conversations:read' });
    const denied = await api(stack.baseUrl, 'POST', '/v1/sessions', {}, undefined, {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('forbidden_scope');
  });

  it('serves a Starcite token (session:* scopes, session_id pin) on its own session only', async () => {
    const starcite = await idp.token({
      tenant_id: ACME,
      sub: 'agent:starcite',
      scopes: ['session:create', 'session:read', 'session:append'],
      session_id: `ses_pinned_${run}`,
    });
    const as = (method: string, path: string, body?: unknown) =>
      api(stack.baseUrl, method, path, body, undefined, { headers: { authorization: `Bearer ${starcite}` } });
    expect((await as('POST', '/v1/sessions', { id: `ses_pinned_${run}` })).status).toBe(201);
    const appended = await as('POST', `/v1/sessions/ses_pinned_${run}/append`, {
      type: 'content',
      payload: { text: 'pinned' },
      producer_id: 'starcite-writer',
      producer_seq: 1,
    });
    expect(appended).toMatchObject({ status: 201, body: { seq: 1 } });
    expect((await as('GET', `/v1/sessions/ses_pinned_${run}`)).status).toBe(200);
    const elsewhere = await as('POST', '/v1/sessions', { id: `ses_other_${run}` });
    expect(elsewhere).toMatchObject({ status: 403, body: { error: 'forbidden_conversation' } });
  });

  it('gives a session without an id a ses_ id', async () => {
    const res = await drafter<Session>('POST', '/v1/sessions', {});
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^ses_[0-9a-f]{24}$/);
  });
});

describe('the OpenAPI document', () => {
  it('describes the real answers of the session routes and the conversation listing', async () => {
    const doc = await drafter<{ components: { schemas: Record<string, object> } }>('GET', '/v1/openapi.json');
    const check = schemaChecker(doc.body);
    const id = `openapi-${run}`;
    check('Session', (await drafter('POST', '/v1/sessions', { id, title: 'Described' })).body);
    const appended = await drafter('POST', `/v1/sessions/${id}/append`, {
      type: 'content',
      payload: { text: 'hi' },
      producer_id: 'p',
      producer_seq: 1,
    });
    check('AppendEventResult', appended.body);
    check('Session', (await drafter('PATCH', `/v1/sessions/${id}`, { metadata: { a: 1 } })).body);
    check('SessionList', (await drafter('GET', '/v1/sessions?limit=2')).body);
    check('ConversationList', (await drafter('GET', '/v1/conversations?limit=2&archived=all')).body);
    check('Error', (await drafter('GET', '/v1/sessions?cursor=x')).body);
  });
});
