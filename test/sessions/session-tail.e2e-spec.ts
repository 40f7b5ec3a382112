/**
 * Starcite's WebSocket tail through the real command, projector and realtime
 * services (AUTH_MODE=on, JWTs of two tenants): the README's sequence ending in
 * `ws://.../v1/sessions/ses_demo/tail?cursor=0`, the raw tail's catch-up, live
 * events, batches and resumes, the official `phoenix` client on `tail:{id}` and
 * `lifecycle`, clients of both APIs on one session, and tenant isolation. Each run
 * uses fresh tenants.
 */
import { randomBytes } from 'node:crypto';
import { Socket } from 'phoenix';
import WebSocket from 'ws';
import { textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { TenantCaller } from '../support/tenant-caller';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { range } from '../realtime/support/stream-clients';
import { WebSocketProbe } from '../realtime/support/websocket-probe';

const SCOPES = 'conversations:read conversations:write messages:append';
const run = randomBytes(4).toString('hex');
const ACME = `acme-${run}`;
const GLOBEX = `globex-${run}`;
const idp = new TestIdentityProvider();
let stack: CommandStack;
let realtime: ServiceProcess;

interface TailEvent {
  seq: number;
  cursor: number;
  type: string;
  payload: Record<string, unknown>;
  actor: string | null;
  producer_id: string | null;
  producer_seq: number | null;
  source: string | null;
  metadata: Record<string, unknown>;
  refs: Record<string, unknown>;
  inserted_at: string;
}

const caller = new TenantCaller(idp, SCOPES, () => stack.baseUrl);
const token = caller.token.bind(caller);
const call = caller.call.bind(caller);

const drafter = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, rawBody?: string) =>
  call<T>(ACME, 'agent:drafter', method, path, body, rawBody);

const wsBase = () => realtime.baseUrl.replace(/^http/, 'ws');

/** A raw tail of ACME's session as agent:drafter (Authorization header); `query` is the whole query string. */
async function rawTail(id: string, query: string, tenant = ACME, claims: Record<string, unknown> = {}) {
  const headers = { authorization: `Bearer ${await token(tenant, 'agent:drafter', claims)}` };
  return WebSocketProbe.connect(`${wsBase()}/v1/sessions/${id}/tail${query}`, headers);
}

async function openTail(id: string, query: string): Promise<WebSocketProbe> {
  const connection = await rawTail(id, query);
  if (connection.kind === 'refused') {
    throw new Error(`tail refused: ${connection.status} ${connection.body}`);
  }
  return connection.probe;
}

const frames = (probe: WebSocketProbe) => probe.texts.map((text) => JSON.parse(text) as TailEvent | TailEvent[]);
const tailSeqs = (probe: WebSocketProbe) => frames(probe).flatMap((frame) => [frame].flat().map((e) => e.seq));

async function createSession(id: string): Promise<void> {
  expect((await drafter('POST', '/v1/sessions', { id })).status).toBe(201);
}

/** Appends `content` events through the session API, producer_seq = the seq each is expected to get. */
async function appendEvents(id: string, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq += 1) {
    const res = await drafter('POST', `/v1/sessions/${id}/append`, {
      type: 'content',
      payload: { text: `event ${seq}` },
      producer_id: 'drafter-1',
      producer_seq: seq,
    });
    expect({ status: res.status, seq: res.body.seq }).toEqual({ status: 201, seq });
  }
}

/** Waits until the projection has `seq`: a tail opened now catches up to it from Postgres. */
async function projected(id: string, seq: number): Promise<void> {
  await eventually(`seq ${seq} of ${id} projected`, async () => {
    const res = await drafter<{ next_cursor: number }>('GET', `/v1/sessions/${id}/events?cursor=0&limit=1000`);
    return res.body.next_cursor >= seq;
  });
}

/** A `phoenix` JS client socket on Starcite's endpoint `/v1/socket`, with the `token` param. */
function starciteSocket(credential: string): Socket {
  const socket = new Socket(`${wsBase()}/v1/socket`, {
    transport: WebSocket,
    params: { token: credential },
    heartbeatIntervalMs: 400,
    reconnectAfterMs: () => 200,
    rejoinAfterMs: () => 200,
  });
  socket.connect();
  return socket;
}

interface Push {
  event: string;
  payload: Record<string, unknown>;
}

/** Joins `topic`, recording the pushes named in `events`; rejects with the error reply. */
function join(socket: Socket, topic: string, params: object, events: string[]): Promise<Push[]> {
  const channel = socket.channel(topic, params);
  const pushes: Push[] = [];
  for (const event of events) {
    channel.on(event, (payload: Record<string, unknown>) => {
      pushes.push({ event, payload });
    });
  }
  return new Promise((resolve, reject) => {
    channel
      .join()
      .receive('ok', () => resolve(pushes))
      .receive('error', (response: Record<string, unknown>) => {
        channel.leave();
        reject(Object.assign(new Error(`join refused: ${JSON.stringify(response)}`), { response }));
      })
      .receive('timeout', () => reject(new Error(`join of ${topic} timed out`)));
  });
}

const pushedSeqs = (pushes: Push[]) =>
  pushes.filter((p) => p.event === 'events').flatMap((p) => (p.payload.events as TailEvent[]).map((e) => e.seq));

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('session-tail', 1, idp.authEnv(jwksUrl));
  const port = allocatePort();
  realtime = new ServiceProcess('realtime', 'session-tail-realtime', port, {
    ...stack.env,
    REALTIME_PORT: String(port),
  });
  await Promise.all([stack.start(), realtime.start()]);
}, 120_000);

afterAll(async () => {
  await realtime?.stop();
  await stack?.stop();
  await idp.stop();
});

describe("the Starcite README's sequence, ending in its WebSocket tail", () => {
  it('tails ses_demo from cursor 0: both events as Starcite frames, then a live one', async () => {
    const created = await drafter(
      'POST',
      '/v1/sessions',
      undefined,
      `{
    "id": "ses_demo",
    "title": "Draft contract",
    "metadata": {"tenant_id": "acme"}
  }`,
    );
    expect(created.status).toBe(201);
    // The README's append expects seq 1 to be the head: one event goes first.
    const opening = await drafter('POST', '/v1/sessions/ses_demo/append', {
      type: 'content',
      payload: { text: 'Opening the contract' },
      producer_id: 'agent-drafter-1',
      producer_seq: 41,
    });
    expect(opening.body).toEqual({ seq: 1, last_seq: 1, deduped: false });
    const appended = await drafter(
      'POST',
      '/v1/sessions/ses_demo/append',
      undefined,
      `{
    "type": "content",
    "payload": {"text": "Reviewing clause 4.2..."},
    "actor": "agent:drafter",
    "producer_id": "agent-drafter-1",
    "producer_seq": 42,
    "expected_seq": 1
  }`,
    );
    expect(appended.body).toEqual({ seq: 2, last_seq: 2, deduped: false });

    const tail = await openTail('ses_demo', '?cursor=0');
    try {
      await eventually('both events on the tail', async () => tail.texts.length >= 2);
      expect(frames(tail)).toEqual([
        expect.objectContaining({ seq: 1, cursor: 1, payload: { text: 'Opening the contract' }, producer_seq: 41 }),
        {
          seq: 2,
          cursor: 2,
          type: 'content',
          payload: { text: 'Reviewing clause 4.2...' },
          actor: 'agent:drafter',
          producer_id: 'agent-drafter-1',
          producer_seq: 42,
          source: null,
          metadata: {},
          refs: {},
          idempotency_key: null,
          inserted_at: expect.stringMatching(/Z$/) as string,
        },
      ]);
      const live = await drafter('POST', '/v1/sessions/ses_demo/append', {
        type: 'state',
        payload: { clause: '4.2', status: 'reviewed' },
        source: 'reviewer',
        refs: { clause: '4.2' },
        producer_id: 'agent-drafter-1',
        producer_seq: 43,
      });
      expect(live.body.seq).toBe(3);
      await eventually('the live event on the tail', async () => tail.texts.length >= 3);
      expect(frames(tail)[2]).toMatchObject({
        seq: 3,
        type: 'state',
        payload: { clause: '4.2', status: 'reviewed' },
        source: 'reviewer',
        refs: { clause: '4.2' },
      });
    } finally {
      await tail.close();
    }
  });
});

describe('the raw tail, /v1/sessions/{id}/tail', () => {
  it('catches up in arrays of at most batch_size, goes on live, and resumes exactly after a cursor', async () => {
    const id = `batched-${run}`;
    await createSession(id);
    await appendEvents(id, 1, 10);
    await projected(id, 10);

    const batched = await openTail(id, '?cursor=0&batch_size=4');
    try {
      await eventually('the catch-up', async () => tailSeqs(batched).length >= 10);
      await appendEvents(id, 11, 13);
      await eventually('the live events', async () => tailSeqs(batched).includes(13));
      expect(tailSeqs(batched)).toEqual(range(1, 13));
      const batches = frames(batched);
      expect(batches.every((frame) => Array.isArray(frame) && frame.length >= 1 && frame.length <= 4)).toBe(true);
      // The ten stored events were all ready at once: full batches, nothing sent one by one.
      expect(batches.slice(0, 3).map((frame) => [frame].flat().length)).toEqual([4, 4, 2]);
    } finally {
      await batched.close();
    }

    await projected(id, 13);
    // The credential in the query this time, as a browser's WebSocket sends it.
    const resumed = await WebSocketProbe.open(
      `${wsBase()}/v1/sessions/${id}/tail?cursor=7&access_token=${await token(ACME, 'user:ada')}`,
    );
    try {
      await eventually('the events after cursor 7', async () => resumed.texts.length >= 6);
      expect(frames(resumed).every((frame) => !Array.isArray(frame))).toBe(true);
      expect(tailSeqs(resumed)).toEqual(range(8, 13));
    } finally {
      await resumed.close();
    }
  });

  it.each([
    ['?cursor=-1', 'invalid_cursor'],
    ['?cursor=abc', 'invalid_cursor'],
    ['?batch_size=0', 'invalid_limit'],
    ['?batch_size=1001', 'invalid_limit'],
    ['?batch_size=two', 'invalid_limit'],
  ])('refuses %s with 400 %s before the upgrade', async (query, error) => {
    const connection = await rawTail(`refused-${run}`, query);
    expect(connection.kind).toBe('refused');
    if (connection.kind === 'refused') {
      expect(connection.status).toBe(400);
      expect(JSON.parse(connection.body)).toMatchObject({ error, message: expect.any(String) as string });
    }
  });

  it('ends with close code 4410 when the session is deleted, after its last event', async () => {
    const id = `deleted-${run}`;
    await createSession(id);
    await appendEvents(id, 1, 2);
    await projected(id, 2);
    const tail = await openTail(id, '?cursor=0');
    await eventually('both events', async () => tail.texts.length >= 2);
    expect((await drafter('DELETE', `/v1/conversations/${id}`)).status).toBe(204);
    expect(await tail.closed).toEqual({ code: 4410, reason: 'conversation_deleted' });
    expect(tailSeqs(tail)).toEqual([1, 2]);
  });
});

describe('the phoenix client on /v1/socket', () => {
  it('joins tail:{id} with {cursor, batch_size} and gets `events` pushes, always lists, caught up then live', async () => {
    const id = `phoenix-${run}`;
    await createSession(id);
    await appendEvents(id, 1, 6);
    await projected(id, 6);
    const socket = starciteSocket(await token(ACME, 'user:ada'));
    try {
      const pushes = await join(socket, `tail:${id}`, { cursor: 2, batch_size: 3 }, ['events', 'gap']);
      await eventually('the catch-up', async () => pushedSeqs(pushes).includes(6));
      await appendEvents(id, 7, 8);
      await eventually('the live events', async () => pushedSeqs(pushes).includes(8));
      expect(pushedSeqs(pushes)).toEqual(range(3, 8));
      expect(pushes.every((p) => p.event === 'events' && Array.isArray(p.payload.events))).toBe(true);
      expect((pushes[0].payload.events as TailEvent[]).length).toBe(3);
      expect((pushes[0].payload.events as TailEvent[])[0]).toMatchObject({
        seq: 3,
        cursor: 3,
        type: 'content',
        payload: { text: 'event 3' },
        actor: 'agent:drafter',
        producer_id: 'drafter-1',
        producer_seq: 3,
      });
      await expect(join(socket, `tail:${id}`, { batch_size: 0 }, [])).rejects.toMatchObject({
        response: { reason: 'invalid_limit' },
      });
    } finally {
      socket.disconnect();
    }
  });

  it('pushes the tenant’s session.created, updated, archived and unarchived on `lifecycle` to a service', async () => {
    const socket = starciteSocket(await token(ACME, 'service:watcher'));
    const others = starciteSocket(await token(GLOBEX, 'service:watcher'));
    const user = starciteSocket(await token(ACME, 'user:ada'));
    try {
      const lifecycle = await join(socket, 'lifecycle', {}, [
        'session.created',
        'session.updated',
        'session.archived',
        'session.unarchived',
      ]);
      const otherTenant = await join(others, 'lifecycle', {}, ['session.created']);
      await expect(join(user, 'lifecycle', {}, [])).rejects.toMatchObject({ response: { reason: 'unauthorized' } });

      const id = `lifecycle-${run}`;
      expect((await drafter('POST', '/v1/sessions', { id, title: 'One', metadata: { k: 'v' } })).status).toBe(201);
      expect((await drafter('PATCH', `/v1/sessions/${id}`, { title: 'Two' })).status).toBe(200);
      expect((await drafter('POST', `/v1/sessions/${id}/archive`)).status).toBe(200);
      expect((await drafter('POST', `/v1/sessions/${id}/unarchive`)).status).toBe(200);

      const ofSession = () => lifecycle.filter((p) => (p.payload.session as { id: string }).id === id);
      await eventually('four lifecycle pushes', async () => ofSession().length >= 4);
      expect(ofSession().map((p) => [p.event, p.payload.type])).toEqual([
        ['session.created', 'session.created'],
        ['session.updated', 'session.updated'],
        ['session.archived', 'session.archived'],
        ['session.unarchived', 'session.unarchived'],
      ]);
      expect(ofSession()[0].payload.session).toEqual({
        id,
        title: 'One',
        metadata: { k: 'v' },
        archived: false,
        version: 0,
        created_at: expect.any(String) as string,
        creator_principal: { tenant_id: ACME, id: 'drafter', type: 'agent' },
      });
      expect(ofSession()[2].payload.session).toMatchObject({ title: 'Two', archived: true, version: 2 });
      expect(otherTenant.filter((p) => (p.payload.session as { id: string }).id === id)).toEqual([]);
    } finally {
      socket.disconnect();
      others.disconnect();
      user.disconnect();
    }
  });
});

describe('one session, both APIs (mixed clients)', () => {
  it('streams a conversation message on the tail, and a session event on the FleetLM stream, each in its shape', async () => {
    const id = `mixed-${run}`;
    await createSession(id);
    const tail = await openTail(id, '?cursor=0');
    const fleet = await WebSocketProbe.open(`${wsBase()}/v1/conversations/${id}/stream?cursor=0`, {
      authorization: `Bearer ${await token(ACME, 'user:ada')}`,
    });
    try {
      const byUser = await call(ACME, 'user:ada', 'POST', `/v1/conversations/${id}/messages`, {
        message: textMessage('what changed?'),
      });
      expect(byUser.body.seq).toBe(1);
      await appendEvents(id, 2, 2);

      await eventually('both entries on the tail', async () => tail.texts.length >= 2);
      expect(frames(tail)[0]).toMatchObject({
        seq: 1,
        type: 'message',
        payload: { role: 'user', parts: [{ type: 'text', text: 'what changed?' }] },
        actor: 'user:ada',
      });
      await eventually('both entries on the FleetLM stream', async () => fleet.texts.length >= 2);
      expect(JSON.parse(fleet.texts[1])).toEqual({
        type: 'message',
        seq: 2,
        version: 2,
        message: {
          role: 'assistant',
          parts: [{ type: 'text', text: 'event 2' }],
          metadata: { starcite: { type: 'content' } },
          token_count: expect.any(Number) as number,
        },
        inserted_at: expect.any(String) as string,
      });
    } finally {
      await tail.close();
      await fleet.close();
    }
  });
});

describe('tenant isolation', () => {
  it("another tenant's key tails its own namespace: none of ACME's events reach it", async () => {
    const id = `isolated-${run}`;
    await createSession(id);
    const theirs = await rawTail(id, '?cursor=0', GLOBEX);
    const ours = await openTail(id, '?cursor=0');
    expect(theirs.kind).toBe('open');
    try {
      await appendEvents(id, 1, 3);
      await eventually('ACME sees its events', async () => ours.texts.length >= 3);
      // The other tenant's socket is still served (it answers a ping after the appends were delivered to ACME).
      if (theirs.kind === 'open') {
        expect(await theirs.probe.answersPing()).toBe(true);
        expect(theirs.probe.texts).toEqual([]);
      }
    } finally {
      await ours.close();
      if (theirs.kind === 'open') {
        await theirs.probe.close();
      }
    }
  });

  it('refuses a token pinned to another session, or without the read scope, with 403', async () => {
    const id = `pinned-${run}`;
    for (const [claims, error] of [
      [{ conversation_id: 'someone-else' }, 'forbidden_conversation'],
      [{ scope: 'messages:append' }, 'forbidden_scope'],
    ] as const) {
      const refused = await rawTail(id, '?cursor=0', ACME, claims);
      expect(refused.kind).toBe('refused');
      if (refused.kind === 'refused') {
        expect({ status: refused.status, error: (JSON.parse(refused.body) as { error: string }).error }).toEqual({
          status: 403,
          error,
        });
      }
    }
  });
});
