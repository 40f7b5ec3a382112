/**
 * Runs live through the real command, projector and realtime (AUTH_MODE=on): a
 * Phoenix subscriber that joins at delta 1,000 of a run of 2,000 sees the run's
 * events 1..2,000 in order, then its run_status committed, then the committed message.
 */
import { randomUUID } from 'node:crypto';
import { api, ApiResponse } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { PhoenixClient } from '../realtime/support/phoenix-client';
import { WebSocketProbe } from '../realtime/support/websocket-probe';

const WRITER = 'conversations:read conversations:write messages:append runs:write';
const BATCH = 50;
const idp = new TestIdentityProvider();
let stack: CommandStack;
let realtime: ServiceProcess;
let writer: string;

const call = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
  api(stack.baseUrl, method, path, body, undefined, { headers: { authorization: `Bearer ${writer}` } });

beforeAll(async () => {
  const jwksUrl = await idp.start();
  writer = await idp.token({ tenant_id: 'acme', sub: 'agent:writer', scope: WRITER });
  stack = new CommandStack('runs-live-stack', 1, idp.authEnv(jwksUrl));
  const port = allocatePort();
  realtime = new ServiceProcess('realtime', 'runs-live-stack-realtime', port, {
    ...stack.env,
    REALTIME_PORT: String(port),
  });
  await stack.start();
  await realtime.start();
}, 120_000);

afterAll(async () => {
  await Promise.all([realtime?.stop(), stack?.stop()]);
  await idp.stop();
});

async function deltas(runId: string, from: number, to: number): Promise<void> {
  for (let first = from; first <= to; first += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => ({ kind: 'text-delta', delta: `d${first + i} ` }));
    const sent = await call('POST', `/v1/runs/${runId}/events`, { events, producer_seq: first });
    expect(sent).toMatchObject({ status: 201, body: { last_run_seq: first + BATCH - 1 } });
  }
}

it('a Phoenix subscriber joining at delta 1,000 of 2,000 sees 1..2,000 in order, then run_status committed, then the message', async () => {
  const id = `runs-live-${randomUUID()}`;
  expect((await call('PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  const started = await call('POST', `/v1/conversations/${id}/runs`, {});
  expect(started.status).toBe(201);
  const runId = started.body.run_id as string;
  await deltas(runId, 1, 1000);

  const reader = await idp.token({ tenant_id: 'acme', sub: 'user:alice', scope: 'conversations:read' });
  const url = `${realtime.baseUrl.replace(/^http/, 'ws')}/socket/websocket?vsn=2.0.0&token=${reader}`;
  const client = new PhoenixClient(await WebSocketProbe.open(url));
  const topic = `conversation:${id}`;
  expect(await client.join(topic, { cursor: 0 })).toEqual({ status: 'ok', response: {} });
  await deltas(runId, 1001, 2000);
  const committed = await call('POST', `/v1/runs/${runId}/commit`);
  expect(committed.status).toBe(200);
  const seq = (committed.body.messages as Array<{ seq: number }>)[0].seq;

  await eventually('the committed message', async () => client.seqs(topic).includes(seq), 30_000);
  const pushes = client.messages.filter((m) => m[2] === topic && m[3] !== 'phx_reply');
  const seen = pushes.map((m) =>
    m[3] === 'run_event' ? m[4].run_seq : m[3] === 'run_status' ? m[4].status : `${m[3]}:${String(m[4].seq)}`,
  );
  expect(seen).toEqual([...Array.from({ length: 2000 }, (_, i) => i + 1), 'committed', `message:${seq}`]);
  expect(pushes.at(-2)?.[4]).toMatchObject({ run_id: runId, status: 'committed', message_seqs: [seq] });
  expect(pushes[0][4]).toEqual({ type: 'run_event', run_id: runId, run_seq: 1, kind: 'text-delta', delta: 'd1 ' });
  await client.probe.close();
}, 120_000);
