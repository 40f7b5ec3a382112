/**
 * Live inbox deltas through the real command, projector and realtime (AUTH_MODE=on):
 * a Phoenix client joined to `inbox:alice` and an SSE client on
 * `/v1/participants/alice/inbox/events` receive `inbox_delta` with the new unread
 * count when another participant appends, and when alice moves her read cursor; joining someone else's inbox is refused,
 * and a service credential may follow any inbox of its tenant; an inbox joined after realtime saw an append the
 * projector had not applied yet still gets its delta.
 */
import { randomUUID } from 'node:crypto';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { PhoenixClient } from '../realtime/support/phoenix-client';
import { SseClient } from '../realtime/support/stream-clients';
import { WebSocketProbe } from '../realtime/support/websocket-probe';
import { alice, bob, InboxEntry, setParticipants } from './support';

const SCOPES = 'conversations:read conversations:write messages:append';
const idp = new TestIdentityProvider();
let stack: CommandStack;
let realtime: ServiceProcess;

const token = (subject: string, tenant = 'acme') => idp.token({ tenant_id: tenant, sub: subject, scope: SCOPES });
const auth = async (subject: string, tenant = 'acme') => ({
  authorization: `Bearer ${await token(subject, tenant)}`,
});

async function conversation(): Promise<string> {
  const id = `live-${randomUUID()}`;
  const created = await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {}, undefined, {
    headers: await auth('service:backend'),
  });
  expect(created.status).toBe(200);
  await setParticipants(stack.env, { tenantId: 'acme', conversationId: id }, [alice, bob]);
  return id;
}

async function append(subject: string, id: string, text: string): Promise<void> {
  const res = await api(
    stack.baseUrl,
    'POST',
    `/v1/conversations/${id}/messages`,
    { message: textMessage(text) },
    undefined,
    {
      headers: await auth(subject),
    },
  );
  expect(res.status).toBe(201);
}

async function phoenix(subject: string): Promise<PhoenixClient> {
  const url = `${realtime.baseUrl.replace(/^http/, 'ws')}/socket/websocket?vsn=2.0.0&token=${await token(subject)}`;
  return new PhoenixClient(await WebSocketProbe.open(url));
}

/** The entries of every `inbox_delta` pushed on `topic`, in arrival order. */
const phoenixDeltas = (client: PhoenixClient, topic: string): InboxEntry[][] =>
  client.messages
    .filter((m) => m[2] === topic && m[3] === 'inbox_delta')
    .map((m) => m[4].conversations as InboxEntry[]);

const sseDeltas = (client: SseClient): InboxEntry[][] =>
  client.events
    .filter((e) => e.event === 'inbox_delta')
    .map((e) => (e.data as unknown as { conversations: InboxEntry[] }).conversations);

const entryIn = (deltas: InboxEntry[][], id: string, unread: number) =>
  deltas.flat().find((e) => e.id === id && e.unread_count === unread);

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('inbox-live', 1, idp.authEnv(jwksUrl));
  const port = allocatePort();
  realtime = new ServiceProcess('realtime', 'inbox-live-realtime', port, { ...stack.env, REALTIME_PORT: String(port) });
  await stack.start();
  await realtime.start();
});

afterAll(async () => {
  await Promise.all([realtime?.stop(), stack?.stop()]);
  await idp.stop();
});

it("pushes inbox_delta over Phoenix to alice's inbox when bob appends and when she reads, with the unread count", async () => {
  const id = await conversation();
  const client = await phoenix('user:alice');
  expect(await client.join('inbox:alice', {})).toEqual({ status: 'ok', response: {} });

  await append('user:bob', id, 'ping 1');
  await append('user:bob', id, 'ping 2');
  const entry = await eventually('a delta with two unread', async () =>
    entryIn(phoenixDeltas(client, 'inbox:alice'), id, 2),
  );
  expect(entry).toMatchObject({ last_seq: 2, last_sender: 'user:bob', preview: 'ping 2', read_seq: 0 });

  await append('user:alice', id, 'pong');
  const own = await eventually('a delta after alice’s own message', async () =>
    phoenixDeltas(client, 'inbox:alice')
      .flat()
      .find((e) => e.id === id && e.last_seq === 3),
  );
  expect(own.unread_count).toBe(2);

  const read = await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}/read`, { seq: 3 }, undefined, {
    headers: await auth('user:alice'),
  });
  expect(read.status).toBe(200);
  const afterRead = await eventually('a delta after alice read everything', async () =>
    phoenixDeltas(client, 'inbox:alice')
      .flat()
      .find((e) => e.id === id && e.read_seq === 3),
  );
  expect(afterRead.unread_count).toBe(0);
  await client.probe.close();
});

it('pushes the same inbox_delta over SSE', async () => {
  const id = await conversation();
  const sse = await SseClient.open(`${realtime.baseUrl}/v1/participants/alice/inbox/events`, await auth('user:alice'));
  expect(sse.status).toBe(200);
  await eventually('the subscription comment', async () => sse.comments > 0);

  await append('user:bob', id, 'over sse');
  const entry = await eventually('an SSE delta with one unread', async () => entryIn(sseDeltas(sse), id, 1));
  expect(entry).toMatchObject({ last_sender: 'user:bob', preview: 'over sse' });
  sse.close();
});

it("refuses a join of someone else's inbox and an inbox stream of a malformed participant id, and lets a service follow any inbox of its tenant", async () => {
  const client = await phoenix('user:bob');
  expect(await client.join('inbox:alice', {})).toEqual({ status: 'error', response: { reason: 'unauthorized' } });
  await client.probe.close();

  const refused = await SseClient.open(
    `${realtime.baseUrl}/v1/participants/alice/inbox/events`,
    await auth('user:bob'),
  );
  expect(refused.status).toBe(403);
  const malformed = await fetch(`${realtime.baseUrl}/v1/participants/-alice/inbox/events`, {
    headers: await auth('service:backend'),
  });
  expect({ status: malformed.status, body: await malformed.json() }).toEqual({
    status: 400,
    body: { error: 'bad_request', message: 'participant id: must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}' },
  });
  const globex = await SseClient.open(
    `${realtime.baseUrl}/v1/participants/alice/inbox/events`,
    await auth('service:backend', 'globex'),
  );
  expect(globex.status).toBe(200);

  const id = await conversation();
  const service = await phoenix('service:backend');
  expect(await service.join('inbox:alice', {})).toEqual({ status: 'ok', response: {} });
  await append('user:bob', id, 'for the service');
  await eventually('the service sees alice’s delta', async () => entryIn(phoenixDeltas(service, 'inbox:alice'), id, 1));
  expect(
    sseDeltas(globex)
      .flat()
      .some((e) => e.id === id),
  ).toBe(false);
  globex.close();
  await service.probe.close();
});

it('sends the delta of an append realtime saw before the inbox was joined and the projector applied after it', async () => {
  const id = await conversation();
  const watcher = await SseClient.open(
    `${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`,
    await auth('user:alice'),
  );
  await stack.projector.pause();
  try {
    await append('user:bob', id, 'while the projector is paused');
    await eventually('realtime to see the append', async () =>
      watcher.events.some((e) => (e.data as unknown as { type: string }).type === 'message'),
    );
    const client = await phoenix('user:alice');
    expect(await client.join('inbox:alice', {})).toEqual({ status: 'ok', response: {} });
    await stack.projector.resume();
    await eventually('the delta of the append', async () => entryIn(phoenixDeltas(client, 'inbox:alice'), id, 1));
    await client.probe.close();
  } finally {
    watcher.close();
    await stack.projector.resume();
  }
});
