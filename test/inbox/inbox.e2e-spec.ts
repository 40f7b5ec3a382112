/**
 * Read cursors and inboxes through the real command and projector (AUTH_MODE=on,
 * JWTs of two tenants): unread counts through appends by others, the caller's own
 * messages never counted, an agent's replies counted for the user, the read cursor
 * (monotonic, bounded by the last seq, participants only), ordering by activity and
 * paging, who may read which inbox, and tenant isolation. Participants are set
 * through PUT /v1/conversations/{id} and, for agents without registering them,
 * by hand-built `conversation.created` / `conversation.participants_set` events.
 */
import { randomUUID } from 'node:crypto';
import { Participant } from '@threadline/contracts';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { indexEpoch, produceEvents } from '../support/hand-built-events';
import { createApiKey, TestIdentityProvider } from '../support/identity-provider';
import { eventually } from '../support/service-process';
import { createdWithParticipants } from '../support/event-builder';
import { alice, bob, bot, InboxEntry, setParticipants } from './support';
import { schemaChecker } from '../support/openapi-schemas';

const SCOPES = 'conversations:read conversations:write messages:append';
const idp = new TestIdentityProvider();
let stack: CommandStack;

const token = (tenant: string, subject: string) => idp.token({ tenant_id: tenant, sub: subject, scope: SCOPES });

async function call(tenant: string, subject: string, method: string, path: string, body?: unknown) {
  const headers = { authorization: `Bearer ${await token(tenant, subject)}` };
  return api(stack.baseUrl, method, path, body, undefined, { headers });
}

const acme = (subject: string, method: string, path: string, body?: unknown) =>
  call('acme', subject, method, path, body);

async function conversation(participants: Participant[], tenant = 'acme'): Promise<string> {
  const id = `inbox-${randomUUID()}`;
  expect((await call(tenant, 'service:backend', 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  await setParticipants(stack.env, { tenantId: tenant, conversationId: id }, participants);
  return id;
}

async function append(subject: string, id: string, text: string, tenant = 'acme'): Promise<number> {
  const res = await call(tenant, subject, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage(text) });
  expect(res.status).toBe(201);
  return res.body.seq as number;
}

async function inbox(subject: string, participant: string, query = '', tenant = 'acme') {
  return call(tenant, subject, 'GET', `/v1/participants/${participant}/inbox${query}`) as Promise<
    ApiResponse<{ conversations: InboxEntry[]; next_cursor: string | null; error?: string }>
  >;
}

/** The participant's entry for one conversation once it satisfies `ready`. */
function entryOnce(subject: string, participant: string, id: string, ready: (e: InboxEntry) => boolean) {
  return eventually(`${participant}'s inbox entry for ${id}`, async () => {
    const res = await inbox(subject, participant, '?limit=200');
    const entry = res.body.conversations.find((e) => e.id === id);
    return entry && ready(entry) ? entry : null;
  });
}

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('inbox', 1, idp.authEnv(jwksUrl));
  await stack.start();
});

afterAll(async () => {
  await stack?.stop();
  await idp.stop();
});

describe('unread counts', () => {
  it("counts other participants' messages, never the reader's own, and the agent's replies for the user", async () => {
    const id = await conversation([alice, bob, bot]);
    await append('user:bob', id, 'hi alice');
    await append('user:bob', id, 'are you there?');
    await append('user:alice', id, 'yes');
    await append('agent:bot', id, 'I can help with that');

    const forAlice = await entryOnce('user:alice', 'alice', id, (e) => e.last_seq === 4);
    expect(forAlice).toEqual({
      id,
      unread_count: 3,
      last_seq: 4,
      last_activity_at: expect.any(String),
      last_sender: 'agent:bot',
      preview: 'I can help with that',
      read_seq: 0,
    });
    const forBob = await entryOnce('user:bob', 'bob', id, (e) => e.last_seq === 4);
    expect(forBob.unread_count).toBe(2);
    const forBot = await entryOnce('agent:bot', 'bot', id, (e) => e.last_seq === 4);
    expect(forBot.unread_count).toBe(3);
  });

  it('lowers the count with the read cursor, which only ever rises and stops at the last seq', async () => {
    const id = await conversation([alice, bob]);
    for (const text of ['one', 'two', 'three']) {
      await append('user:bob', id, text);
    }
    await entryOnce('user:alice', 'alice', id, (e) => e.unread_count === 3);

    const read = await acme('user:alice', 'PUT', `/v1/conversations/${id}/read`, { seq: 2 });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ conversation_id: id, participant_id: 'alice', read_seq: 2 });
    expect(
      (await inbox('user:alice', 'alice', '?limit=200')).body.conversations.find((e) => e.id === id),
    ).toMatchObject({ unread_count: 1, read_seq: 2 });

    const lower = await acme('user:alice', 'PUT', `/v1/conversations/${id}/read`, { seq: 1 });
    expect(lower.status).toBe(200);
    expect(lower.body.read_seq).toBe(2);

    const past = await acme('user:alice', 'PUT', `/v1/conversations/${id}/read`, { seq: 4 });
    expect(past.status).toBe(400);
    expect(past.body).toMatchObject({ error: 'bad_request', message: expect.stringContaining('seq') });

    await acme('user:alice', 'PUT', `/v1/conversations/${id}/read`, { seq: 3 });
    expect(
      (await inbox('user:alice', 'alice', '?limit=200')).body.conversations.find((e) => e.id === id),
    ).toMatchObject({ unread_count: 0, read_seq: 3 });
  });

  it('refuses a read cursor to a non-participant (403 not_a_participant), for an unknown conversation (404) and a bad body (400)', async () => {
    const id = await conversation([alice]);
    await append('user:alice', id, 'hello');
    await entryOnce('user:alice', 'alice', id, (e) => e.last_seq === 1);

    const carol = await acme('user:carol', 'PUT', `/v1/conversations/${id}/read`, { seq: 1 });
    expect(carol.status).toBe(403);
    expect(carol.body.error).toBe('not_a_participant');
    const missing = await acme('user:alice', 'PUT', `/v1/conversations/nope-${randomUUID()}/read`, { seq: 0 });
    expect(missing.status).toBe(404);
    const bad = await acme('user:alice', 'PUT', `/v1/conversations/${id}/read`, { seq: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('seq');
  });
});

describe('the inbox', () => {
  it('lists conversations newest activity first and pages through them with next_cursor', async () => {
    const dora: Participant = { id: `dora-${randomUUID().slice(0, 8)}`, kind: 'user' };
    const [c1, c2, c3] = [
      await conversation([dora, bob]),
      await conversation([dora, bob]),
      await conversation([dora, bob]),
    ];
    for (const id of [c2, c3, c1]) {
      await append('user:bob', id, `news in ${id}`);
    }
    const me = `user:${dora.id}`;
    await eventually('three conversations with a message each', async () => {
      const all = await inbox(me, dora.id);
      return all.body.conversations.length === 3 && all.body.conversations.every((e) => e.last_seq === 1);
    });
    const page1 = await inbox(me, dora.id, '?limit=2');
    expect(page1.body.conversations.map((e) => e.id)).toEqual([c1, c3]);
    expect(page1.body.next_cursor).toEqual(expect.any(String));
    const page2 = await inbox(me, dora.id, `?limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body.conversations.map((e) => e.id)).toEqual([c2]);
    expect(page2.body.next_cursor).toBeNull();

    await append('user:bob', c2, 'c2 again');
    await eventually('c2 first after new activity', async () => {
      const res = await inbox(me, dora.id);
      return res.body.conversations[0]?.id === c2 && res.body.conversations[0].unread_count === 2;
    });
  });

  it('answers 400 for a bad cursor or limit', async () => {
    expect((await inbox('user:alice', 'alice', '?cursor=nonsense')).body.error).toBe('invalid_cursor');
    expect((await inbox('user:alice', 'alice', '?limit=0')).status).toBe(400);
    expect((await inbox('user:alice', 'alice', '?limit=201')).status).toBe(400);
  });

  it('follows the participant list: a participants_set replaces it, and a created event names the first one', async () => {
    const id = await conversation([alice, bob]);
    await append('user:alice', id, 'hello bob');
    await entryOnce('user:bob', 'bob', id, (e) => e.unread_count === 1);
    await setParticipants(stack.env, { tenantId: 'acme', conversationId: id }, [alice]);
    await eventually('bob removed', async () => {
      const res = await inbox('user:bob', 'bob', '?limit=200');
      return !res.body.conversations.some((e) => e.id === id);
    });

    const fresh = `inbox-${randomUUID()}`;
    await produceEvents(
      stack.env.KAFKA_TOPIC,
      createdWithParticipants(
        { tenantId: 'acme', conversationId: fresh },
        [bob],
        (await indexEpoch(stack.env.REDIS_KEY_PREFIX)) ?? 0,
      ),
    );
    await entryOnce('user:bob', 'bob', fresh, (e) => e.last_seq === 0);
  });

  it('takes a read cursor from a participant a PUT named a moment ago, before the projector has applied it', async () => {
    const id = `inbox-${randomUUID()}`;
    await stack.projector.pause();
    try {
      expect((await acme('service:backend', 'PUT', `/v1/conversations/${id}`, { participants: [alice] })).status).toBe(
        200,
      );
      const read = await acme('user:alice', 'PUT', `/v1/conversations/${id}/read`, { seq: 0 });
      expect(read.status).toBe(200);
      expect(read.body.read_seq).toBe(0);
      expect((await acme('user:bob', 'PUT', `/v1/conversations/${id}/read`, { seq: 0 })).status).toBe(403);
    } finally {
      await stack.projector.resume();
    }
  });

  it('follows the participants a PUT names, at create and when it replaces them', async () => {
    const id = `inbox-${randomUUID()}`;
    const put = (participants: Participant[]) =>
      acme('service:backend', 'PUT', `/v1/conversations/${id}`, { participants });
    expect((await put([alice, bob])).status).toBe(200);
    await append('user:alice', id, 'named at create');
    await entryOnce('user:bob', 'bob', id, (e) => e.unread_count === 1);
    expect((await put([alice])).status).toBe(200);
    await eventually('bob no longer in the conversation', async () => {
      const res = await inbox('user:bob', 'bob', '?limit=200');
      return !res.body.conversations.some((e) => e.id === id);
    });
    const read = await acme('user:bob', 'PUT', `/v1/conversations/${id}/read`, { seq: 1 });
    expect(read.body.error).toBe('not_a_participant');
  });

  it("refuses someone else's inbox to a user or agent (403 forbidden_inbox) and lets a service read any", async () => {
    const id = await conversation([alice, bob]);
    await append('user:bob', id, 'for alice');
    const other = await inbox('user:bob', 'alice');
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('forbidden_inbox');
    expect((await inbox('agent:bot', 'alice')).status).toBe(403);
    const asService = await entryOnce('service:backend', 'alice', id, (e) => e.unread_count === 1);
    expect(asService.last_sender).toBe('user:bob');
  });

  it("never shows another tenant's conversations, cursors or inboxes", async () => {
    const id = await conversation([alice, bob]);
    await append('user:bob', id, 'acme only');
    await entryOnce('user:alice', 'alice', id, (e) => e.unread_count === 1);

    const globexInbox = await inbox('user:alice', 'alice', '?limit=200', 'globex');
    expect(globexInbox.status).toBe(200);
    expect(globexInbox.body.conversations.some((e) => e.id === id)).toBe(false);
    const globexKey = createApiKey(stack.env, 'globex', 'service:backend', ['conversations:read']).key;
    const globexService = await api<{ conversations: InboxEntry[] }>(
      stack.baseUrl,
      'GET',
      '/v1/participants/alice/inbox?limit=200',
      undefined,
      undefined,
      { headers: { authorization: `Bearer ${globexKey}` } },
    );
    expect(globexService.status).toBe(200);
    expect(globexService.body.conversations.some((e) => e.id === id)).toBe(false);
    const globexRead = await call('globex', 'user:alice', 'PUT', `/v1/conversations/${id}/read`, { seq: 1 });
    expect(globexRead.status).toBe(404);
    expect(
      (await inbox('user:alice', 'alice', '?limit=200')).body.conversations.find((e) => e.id === id),
    ).toMatchObject({ unread_count: 1, read_seq: 0 });
  });

  it('answers in the shapes of the OpenAPI document', async () => {
    const id = await conversation([alice, bob]);
    await append('user:bob', id, 'schema check');
    await entryOnce('user:alice', 'alice', id, (e) => e.unread_count === 1);
    const doc = await acme('user:alice', 'GET', '/v1/openapi.json');
    const check = schemaChecker(doc.body);
    check('ReadCursorView', (await acme('user:alice', 'PUT', `/v1/conversations/${id}/read`, { seq: 1 })).body);
    check('InboxPage', (await inbox('user:alice', 'alice', '?limit=1')).body);
  });
});
