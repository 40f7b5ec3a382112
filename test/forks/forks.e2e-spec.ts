/**
 * Forks (POST /v1/conversations/{id}/fork, GET .../forks) with AUTH_MODE=on through
 * the command, projector, realtime and archiver: a fork at seq k reads back exactly
 * the parent's 1..k (texts, actors, a tombstone; seqs the archiver trimmed from
 * Postgres included) and then its own appends; a plain WebSocket stream of the fork
 * from cursor 0 gets the same, and so do reads once the fork's own rows were archived
 * and trimmed; the parent does not change; a retried fork is the same fork; a run on
 * a fork (regenerate) commits after at_seq; another tenant can neither fork nor list.
 */
import { randomUUID } from 'node:crypto';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { appendedEvent, createdEvent, tombstonedEvent } from '../support/event-builder';
import { indexEpoch, produceEvents } from '../support/hand-built-events';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { archiveDir, archiverProcess, db, removeArchiveDirs } from '../archiver/support';
import { WebSocketProbe } from '../realtime/support/websocket-probe';

const SCOPES = 'conversations:read conversations:write messages:append runs:write';
const ACME = 'acme';
const PARENT = `parent-${randomUUID()}`;
/** The parent's log: seq 4 is a tombstone, the rest messages of two actors. */
const PARENT_LOG = [
  { seq: 1, text: 'question', actor: 'user:ada' },
  { seq: 2, text: 'first answer', actor: 'agent:bot' },
  { seq: 3, text: 'follow-up', actor: 'user:ada' },
  { seq: 4, tombstone: 'abandoned' as const },
  { seq: 5, text: 'second answer', actor: 'agent:bot' },
];

const idp = new TestIdentityProvider();
const dir = archiveDir('forks');
const tokens = new Map<string, string>();
let stack: CommandStack;
let archiver: ServiceProcess;
let realtime: ServiceProcess;

interface Entry {
  seq: number;
  kind: 'message' | 'tombstone';
  actor?: string | null;
  reason?: string;
  parts?: Array<{ text: string }>;
}

const as = (tenant: string) => ({ authorization: `Bearer ${tokens.get(tenant)}` });
const call = (method: string, path: string, body?: unknown, tenant = ACME): Promise<ApiResponse> =>
  api(stack.baseUrl, method, path, body, undefined, { headers: as(tenant) });
const summary = (e: Entry) =>
  e.kind === 'tombstone'
    ? { seq: e.seq, tombstone: e.reason }
    : { seq: e.seq, text: e.parts?.[0].text, actor: e.actor };
const expectedThrough = (k: number) =>
  PARENT_LOG.filter((e) => e.seq <= k).map((e) =>
    'tombstone' in e ? e : { seq: e.seq, text: e.text, actor: e.actor },
  );

async function replay(id: string): Promise<Array<Record<string, unknown>>> {
  const page = await call('GET', `/v1/conversations/${id}/messages?from=1&limit=100`);
  expect(page.status).toBe(200);
  return (page.body.messages as Entry[]).map(summary);
}

async function tail(id: string): Promise<Array<Record<string, unknown>>> {
  const page = await call('GET', `/v1/conversations/${id}/tail?limit=100`);
  expect(page.status).toBe(200);
  return (page.body.messages as Entry[]).map(summary);
}

async function fork(body: Record<string, unknown>, parent = PARENT, tenant = ACME): Promise<ApiResponse> {
  return call('POST', `/v1/conversations/${parent}/fork`, body, tenant);
}

beforeAll(async () => {
  const jwksUrl = await idp.start();
  for (const tenant of [ACME, 'initech']) {
    tokens.set(tenant, await idp.token({ tenant_id: tenant, sub: `user:${tenant}-ada`, scope: SCOPES }));
  }
  stack = new CommandStack('forks', 1, { ...idp.authEnv(jwksUrl), ARCHIVE_DIR: dir });
  archiver = archiverProcess('archiver-forks', stack.env, dir, {
    ARCHIVE_RETAIN_MESSAGES: '2',
    ARCHIVE_RETENTION_INTERVAL_MS: '300',
  });
  const port = allocatePort();
  realtime = new ServiceProcess('realtime', 'forks-realtime', port, {
    ...stack.env,
    REALTIME_PORT: String(port),
    ARCHIVE_DIR: dir,
  });
  await stack.start();
  await Promise.all([archiver.start(), realtime.start()]);

  // The parent's log, tombstone included, as a command would have produced it; the command loads it from the projection.
  const epoch = await eventually('a trusted index', () => indexEpoch(stack.env.REDIS_KEY_PREFIX));
  const parent = { tenantId: ACME, conversationId: PARENT };
  await produceEvents(
    stack.env.KAFKA_TOPIC,
    { ...createdEvent(parent, { topic: 'tea' }), index_epoch: epoch },
    ...PARENT_LOG.map((e) =>
      'tombstone' in e
        ? tombstonedEvent(parent, e.seq, epoch, undefined, e.tombstone)
        : appendedEvent(parent, e.seq, e.text, epoch, null, undefined, e.actor),
    ),
  );
  await eventually(
    'the parent projected, archived and trimmed to 2 rows',
    async () => {
      const { rows } = await db.query<{ contiguous_seq: string; archived_seq: string; rows: string }>(
        `SELECT c.contiguous_seq, c.archived_seq, (SELECT count(*) FROM messages m
           WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id) AS rows
         FROM conversations c WHERE c.tenant_id = $1 AND c.id = $2`,
        [ACME, PARENT],
      );
      return rows.length === 1 && Number(rows[0].contiguous_seq) === 5 && Number(rows[0].rows) <= 2;
    },
    120_000,
    250,
  );
}, 300_000);

afterAll(async () => {
  await Promise.all([realtime?.stop(), archiver?.stop(), stack?.stop()]);
  await idp.stop();
  await db.end();
  removeArchiveDirs();
});

describe('forks', () => {
  const forkId = `fork-${randomUUID()}`;

  it("creates a fork at seq 4 whose log reads back as the parent's 1..4 (archived seqs and the tombstone included), naming its parent", async () => {
    const created = await fork({ at_seq: 4, id: forkId });
    expect(created.status).toBe(201);
    expect(created.body).toEqual(
      expect.objectContaining({
        id: forkId,
        last_seq: 4,
        metadata: { topic: 'tea' },
        parent: { conversation_id: PARENT, at_seq: 4 },
      }),
    );
    expect(await replay(forkId)).toEqual(expectedThrough(4));
    expect(await tail(forkId)).toEqual(expectedThrough(4));
    const read = await call('GET', `/v1/conversations/${forkId}`);
    expect(read.body.parent).toEqual({ conversation_id: PARENT, at_seq: 4 });
  });

  it('continues the fork from at_seq + 1 with its own appends and leaves the parent as it was', async () => {
    const appended = await call('POST', `/v1/conversations/${forkId}/messages`, { message: textMessage('fork only') });
    expect(appended.status).toBe(201);
    expect(appended.body.seq).toBe(5);
    expect(await replay(forkId)).toEqual([
      ...expectedThrough(4),
      { seq: 5, text: 'fork only', actor: 'user:acme-ada' },
    ]);
    expect(await replay(PARENT)).toEqual(expectedThrough(5));
    expect((await call('GET', `/v1/conversations/${PARENT}`)).body).toEqual(
      expect.objectContaining({ last_seq: 5, parent: null }),
    );
  });

  it('streams the fork over a plain WebSocket from cursor 0 exactly as it reads', async () => {
    const url = `${realtime.baseUrl.replace(/^http/, 'ws')}/v1/conversations/${forkId}/stream?cursor=0`;
    const probe = await WebSocketProbe.open(url, as(ACME));
    const frames = () =>
      probe.texts
        .map((text) => JSON.parse(text) as Entry & { type: string; message?: { parts: Array<{ text: string }> } })
        .filter((f) => f.type === 'message' || f.type === 'tombstone');
    await eventually('five frames', async () => frames().length >= 5);
    await probe.close();
    expect(
      frames().map((f) =>
        f.type === 'tombstone' ? { seq: f.seq, tombstone: f.reason } : { seq: f.seq, text: f.message?.parts[0].text },
      ),
    ).toEqual([
      ...expectedThrough(4).map((e) => ('tombstone' in e ? e : { seq: e.seq, text: e.text })),
      { seq: 5, text: 'fork only' },
    ]);
  });

  it('reads the fork whole once the archiver trimmed its own rows from Postgres', async () => {
    await eventually(
      "the fork's seqs 1..3 archived and trimmed",
      async () => {
        const { rows } = await db.query<{ archived_seq: string; rows: string }>(
          `SELECT c.archived_seq, (SELECT count(*) FROM messages m
             WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id) AS rows
           FROM conversations c WHERE c.tenant_id = $1 AND c.id = $2`,
          [ACME, forkId],
        );
        return rows.length === 1 && Number(rows[0].archived_seq) >= 3 && Number(rows[0].rows) <= 2;
      },
      120_000,
      250,
    );
    const whole = [...expectedThrough(4), { seq: 5, text: 'fork only', actor: 'user:acme-ada' }];
    expect(await replay(forkId)).toEqual(whole);
    expect(await tail(forkId)).toEqual(whole);
  });

  it('answers a retried fork (same id, parent and at_seq) with the same fork, and 409 for another fork under that id', async () => {
    const retried = await fork({ at_seq: 4, id: forkId });
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(expect.objectContaining({ id: forkId, last_seq: 5 }));
    const other = await fork({ at_seq: 3, id: forkId });
    expect(other.status).toBe(409);
    expect(other.body.error).toBe('conflict');
    const plain = `plain-${randomUUID()}`;
    expect((await call('PUT', `/v1/conversations/${plain}`, {})).status).toBe(200);
    expect((await fork({ at_seq: 1, id: plain })).status).toBe(409);
  });

  it("refuses an at_seq outside 1..the parent's last seq with 400 naming at_seq", async () => {
    for (const at_seq of [0, 6, 10_001, 1.5]) {
      const res = await fork({ at_seq });
      expect({ at_seq, status: res.status, error: res.body.error }).toEqual({
        at_seq,
        status: 400,
        error: 'bad_request',
      });
      expect(res.body.message).toMatch(/^at_seq: /);
    }
  });

  it('regenerates: a fork at the message before an answer, then a run on it, reads as the question and the run’s answer', async () => {
    const created = await fork({ at_seq: 1 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/);
    const started = await call('POST', `/v1/conversations/${id}/runs`, { parent_seq: 1 });
    expect(started.status).toBe(201);
    const runId = started.body.run_id as string;
    const events = ['regenerated ', 'answer'].map((delta) => ({ kind: 'text-delta', delta }));
    expect((await call('POST', `/v1/runs/${runId}/events`, { events, producer_seq: 1 })).status).toBe(201);
    const committed = await call('POST', `/v1/runs/${runId}/commit`);
    expect(committed.body).toMatchObject({ status: 'committed', messages: [{ seq: 2 }] });
    expect(await replay(id)).toEqual([
      { seq: 1, text: 'question', actor: 'user:ada' },
      { seq: 2, text: 'regenerated answer', actor: 'user:acme-ada' },
    ]);
    expect(await replay(PARENT)).toEqual(expectedThrough(5));
  });

  it('lists the forks of the parent, oldest first, a page at a time', async () => {
    const listed = await eventually('both forks projected', async () => {
      const res = await call('GET', `/v1/conversations/${PARENT}/forks?limit=1`);
      return res.status === 200 && res.body.next_cursor !== null ? res : undefined;
    });
    const first = listed.body.forks as Array<{ conversation_id: string; at_seq: number }>;
    expect(first).toEqual([expect.objectContaining({ conversation_id: forkId, at_seq: 4 })]);
    const next = await call(
      'GET',
      `/v1/conversations/${PARENT}/forks?limit=1&cursor=${String(listed.body.next_cursor)}`,
    );
    expect(next.body).toEqual({ forks: [expect.objectContaining({ at_seq: 1 })], next_cursor: null });
    expect((await call('GET', `/v1/conversations/${PARENT}/forks?cursor=nonsense`)).body.error).toBe('invalid_cursor');
  });

  it('answers another tenant 404 for forking or listing, and creates nothing', async () => {
    const intruder = `intruder-${randomUUID()}`;
    const forked = await fork({ at_seq: 1, id: intruder }, PARENT, 'initech');
    expect({ status: forked.status, error: forked.body.error }).toEqual({
      status: 404,
      error: 'conversation_not_found',
    });
    const listed = await call('GET', `/v1/conversations/${PARENT}/forks`, undefined, 'initech');
    expect({ status: listed.status, error: listed.body.error }).toEqual({
      status: 404,
      error: 'conversation_not_found',
    });
    expect((await call('GET', `/v1/conversations/${intruder}`, undefined, 'initech')).status).toBe(404);
  });
});
