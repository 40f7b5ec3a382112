/**
 * Two tenants using the same conversation id, with AUTH_MODE=on, through the
 * command, projector, realtime and archiver: each sees only its own log (reads,
 * replay through the archive after retention trimmed Postgres, SSE and Phoenix
 * streams), each append records its caller as the actor, and a third tenant
 * reaching for that id gets 404 conversation_not_found and changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { archiveDir, archiverProcess, db, removeArchiveDirs } from '../archiver/support';
import { PhoenixClient } from '../realtime/support/phoenix-client';
import { SseClient } from '../realtime/support/stream-clients';
import { WebSocketProbe } from '../realtime/support/websocket-probe';

const PER_TENANT = 6;
const RETAINED = 2;
const TENANTS = ['acme', 'globex'] as const;
const ALL_SCOPES = 'conversations:read conversations:write messages:append';

const idp = new TestIdentityProvider();
const dir = archiveDir('two-tenants');
const id = `shared-${randomUUID()}`;
const tokens = new Map<string, string>();
let stack: CommandStack;
let archiver: ServiceProcess;
let realtime: ServiceProcess;

interface Message {
  seq: number;
  actor: string | null;
  parts: Array<{ text: string }>;
}

const as = (tenant: string) => ({ authorization: `Bearer ${tokens.get(tenant)}` });
const call = (tenant: string, method: string, path: string, body?: unknown): Promise<ApiResponse> =>
  api(stack.baseUrl, method, path, body, undefined, { headers: as(tenant) });
const textsOf = (messages: Message[]) => messages.map((m) => m.parts[0].text);
const ownTexts = (tenant: string) => Array.from({ length: PER_TENANT }, (_, i) => `${tenant} #${i + 1}`);

beforeAll(async () => {
  const jwksUrl = await idp.start();
  for (const tenant of [...TENANTS, 'initech']) {
    tokens.set(tenant, await idp.token({ tenant_id: tenant, sub: `user:${tenant}-ada`, scope: ALL_SCOPES }));
  }
  stack = new CommandStack('two-tenants', 1, { ...idp.authEnv(jwksUrl), ARCHIVE_DIR: dir });
  archiver = archiverProcess('archiver-two-tenants', stack.env, dir, {
    ARCHIVE_RETAIN_MESSAGES: String(RETAINED),
    ARCHIVE_RETENTION_INTERVAL_MS: '300',
  });
  const port = allocatePort();
  realtime = new ServiceProcess('realtime', 'two-tenants-realtime', port, {
    ...stack.env,
    REALTIME_PORT: String(port),
    ARCHIVE_DIR: dir,
  });
  await stack.start();
  await Promise.all([archiver.start(), realtime.start()]);

  for (const tenant of TENANTS) {
    expect((await call(tenant, 'PUT', `/v1/conversations/${id}`, { metadata: { owner: tenant } })).status).toBe(200);
  }
  for (let n = 1; n <= PER_TENANT; n += 1) {
    for (const tenant of TENANTS) {
      const appended = await call(tenant, 'POST', `/v1/conversations/${id}/messages`, {
        message: textMessage(`${tenant} #${n}`),
      });
      expect(appended.status).toBe(201);
      expect(appended.body.seq).toBe(n);
    }
  }
  await eventually(
    `both tenants' ${id} archived and trimmed to ${RETAINED} rows`,
    async () => {
      const { rows } = await db.query<{ tenant_id: string; archived_seq: number; rows: string }>(
        `SELECT c.tenant_id, c.archived_seq, (SELECT count(*) FROM messages m
           WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id) AS rows
         FROM conversations c WHERE c.id = $1`,
        [id],
      );
      return (
        rows.length === TENANTS.length &&
        rows.every((r) => Number(r.archived_seq) === PER_TENANT && Number(r.rows) === RETAINED)
      );
    },
    120_000,
    250,
  );
}, 300_000);

afterAll(async () => {
  await Promise.all([realtime?.stop(), archiver?.stop(), stack?.stop()]);
  await idp.stop();
  removeArchiveDirs();
});

describe('two tenants, one conversation id', () => {
  it.each(TENANTS)(
    '%s reads only its own log, through the archive for the trimmed seqs, with its caller as actor',
    async (tenant) => {
      const page = await call(tenant, 'GET', `/v1/conversations/${id}/messages?from=1&limit=50`);
      expect(page.status).toBe(200);
      const messages = page.body.messages as Message[];
      expect(textsOf(messages)).toEqual(ownTexts(tenant));
      expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(new Set(messages.map((m) => m.actor))).toEqual(new Set([`user:${tenant}-ada`]));
      const conversation = await call(tenant, 'GET', `/v1/conversations/${id}`);
      expect(conversation.body).toEqual(expect.objectContaining({ version: PER_TENANT, metadata: { owner: tenant } }));
    },
  );

  it.each(TENANTS)('%s streams only its own log over SSE and Phoenix, replayed from the archive', async (tenant) => {
    const sse = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`, as(tenant));
    await eventually(`${tenant}'s six messages over SSE`, async () => sse.seqs.length >= PER_TENANT);
    sse.close();
    expect(sse.events.map((e) => (e.data as unknown as { message: Message }).message.parts[0].text)).toEqual(
      ownTexts(tenant),
    );

    const probe = await WebSocketProbe.open(
      `${realtime.baseUrl.replace(/^http/, 'ws')}/socket/websocket?vsn=2.0.0&token=${tokens.get(tenant)}`,
    );
    const phoenix = new PhoenixClient(probe);
    expect(await phoenix.join(`conversation:${id}`, { cursor: 0 })).toEqual({ status: 'ok', response: {} });
    await phoenix.waitForSeq(`conversation:${id}`, PER_TENANT);
    const pushed = phoenix.messages
      .filter((m) => m[3] === 'message')
      .map((m) => (m[4].message as Message).parts[0].text);
    expect(pushed).toEqual(ownTexts(tenant));
    await probe.close();
  });

  it("answers another tenant 404 conversation_not_found for every route on that id, and changes neither tenant's log", async () => {
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/v1/conversations/${id}`],
      ['GET', `/v1/conversations/${id}/tail`],
      ['GET', `/v1/conversations/${id}/messages?from=1`],
      ['POST', `/v1/conversations/${id}/messages`, { message: textMessage('intruder') }],
      ['DELETE', `/v1/conversations/${id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call('initech', method, path, body);
      expect({ method, path, status: res.status, error: res.body.error }).toEqual({
        method,
        path,
        status: 404,
        error: 'conversation_not_found',
      });
    }
    for (const tenant of TENANTS) {
      const conversation = await call(tenant, 'GET', `/v1/conversations/${id}`);
      expect(conversation.body).toEqual(expect.objectContaining({ version: PER_TENANT, tombstoned: false }));
    }
  });

  it("streams another tenant nothing of that id, while the owner's live stream gets the next append", async () => {
    const intruder = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`, as('initech'));
    const owner = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`, as('acme'));
    expect(
      (await call('acme', 'POST', `/v1/conversations/${id}/messages`, { message: textMessage('acme live') })).status,
    ).toBe(201);
    await eventually("the owner's live message", async () => owner.seqs.includes(PER_TENANT + 1));
    owner.close();
    intruder.close();
    expect(intruder.status).toBe(200);
    expect(intruder.seqs).toEqual([]);
  });

  it("lets one tenant delete its conversation and leaves the other tenant's of the same id as it was", async () => {
    expect((await call('globex', 'DELETE', `/v1/conversations/${id}`)).status).toBe(204);
    await eventually('globex sees its conversation deleted', async () => {
      const res = await call('globex', 'GET', `/v1/conversations/${id}`);
      return res.status === 410 || res.body.tombstoned === true;
    });
    const acme = await call('acme', 'GET', `/v1/conversations/${id}/messages?from=1&limit=50`);
    expect(acme.status).toBe(200);
    expect(textsOf(acme.body.messages as Message[])).toEqual([...ownTexts('acme'), 'acme live']);
  });
});
