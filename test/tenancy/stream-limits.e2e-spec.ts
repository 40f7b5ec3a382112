/**
 * Realtime's per-tenant stream limit and per-socket channel limit: what is over
 * them is refused with the documented answer, and room frees up as streams close.
 */
import { randomUUID } from 'node:crypto';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort, isolatedEnv } from '../support/test-env';
import { PhoenixClient } from '../realtime/support/phoenix-client';
import { SseClient } from '../realtime/support/stream-clients';
import { WebSocketProbe } from '../realtime/support/websocket-probe';

const port = allocatePort();
const realtime = new ServiceProcess('realtime', 'stream-limits-realtime', port, {
  ...isolatedEnv('stream-limits'),
  REALTIME_PORT: String(port),
  REALTIME_MAX_CONNECTIONS_PER_TENANT: '2',
  REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
});

beforeAll(async () => {
  await realtime.start();
}, 60_000);
afterAll(async () => {
  await realtime.stop();
});

const streamUrl = () => `${realtime.baseUrl.replace(/^http/, 'ws')}/v1/conversations/c-${randomUUID()}/stream`;

it("refuses a tenant's stream over REALTIME_MAX_CONNECTIONS_PER_TENANT with 429 rate_limited, on WebSocket and SSE, until one closes", async () => {
  const phoenix = await PhoenixClient.open(realtime.baseUrl);
  const plain = await WebSocketProbe.open(streamUrl());

  const refused = await WebSocketProbe.connect(streamUrl());
  expect(refused).toEqual(expect.objectContaining({ kind: 'refused', status: 429 }));
  expect(refused.kind === 'refused' && (JSON.parse(refused.body) as { error: string }).error).toBe('rate_limited');
  expect(refused.kind === 'refused' && refused.headers['retry-after']).toBe('1');
  const sse = await fetch(`${realtime.baseUrl}/v1/conversations/c-${randomUUID()}/events`);
  expect(sse.status).toBe(429);
  expect(((await sse.json()) as { error: string }).error).toBe('rate_limited');

  await plain.close();
  const events = await eventually('room for a stream once one closed', async () => {
    const client = await SseClient.open(`${realtime.baseUrl}/v1/conversations/c-${randomUUID()}/events`);
    return client.status === 200 ? client : undefined;
  });
  events.close();
  await phoenix.probe.close();
});

it('refuses a Phoenix join over REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION with too_many_subscriptions; a rejoin of a joined topic still works', async () => {
  const phoenix = await PhoenixClient.open(realtime.baseUrl);
  const topics = [1, 2, 3].map(() => `conversation:c-${randomUUID()}`);
  expect(await phoenix.join(topics[0], {})).toEqual({ status: 'ok', response: {} });
  expect(await phoenix.join(topics[1], {})).toEqual({ status: 'ok', response: {} });
  expect(await phoenix.join(topics[2], {})).toEqual({
    status: 'error',
    response: { reason: 'too_many_subscriptions' },
  });
  expect(await phoenix.join(topics[1], {})).toEqual({ status: 'ok', response: {} });
  expect(await phoenix.push(topics[0], 'phx_leave', {})).toEqual({ status: 'ok', response: {} });
  expect(await phoenix.join(topics[2], {})).toEqual({ status: 'ok', response: {} });
  await phoenix.probe.close();
});
