/**
 * Runs live through the real command, projector and realtime (AUTH_MODE=on): a
 * Phoenix subscriber that joins at delta 1,000 of a run of 2,000 sees the run's
 * events 1..2,000 in order, then its run_status committed, then the committed message;
 * a Phoenix subscriber that rejoins mid-run with `run_cursors` gets every event once;
 * a cancel by another principal reaches an SSE subscriber, and nothing of the run is appended;
 * two runs streaming at once in one conversation each keep their own order; a subscriber that joins after
 * events went out live, while the projector is paused, gets them once it writes them; an SSE
 * client resumes with Last-Event-ID after realtime was SIGKILLed mid-run (last: it restarts realtime).
 */
import { randomUUID } from 'node:crypto';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { PhoenixClient, PhoenixMessage } from '../realtime/support/phoenix-client';
import { SseClient } from '../realtime/support/stream-clients';
import { WebSocketProbe } from '../realtime/support/websocket-probe';
import { Frame, runSeqs, trace } from './support/run-frames';

const WRITER = 'conversations:read conversations:write messages:append runs:write';
const MODERATOR = 'conversations:read conversations:write messages:append';
const BATCH = 50;
const idp = new TestIdentityProvider();
let stack: CommandStack;
let realtime: ServiceProcess;
let writer: string;
let moderator: string;
let reader: string;

const call = (method: string, path: string, body?: unknown, token = writer): Promise<ApiResponse> =>
  api(stack.baseUrl, method, path, body, undefined, { headers: { authorization: `Bearer ${token}` } });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  const jwksUrl = await idp.start();
  writer = await idp.token({ tenant_id: 'acme', sub: 'agent:writer', scope: WRITER });
  moderator = await idp.token({ tenant_id: 'acme', sub: 'user:moderator', scope: MODERATOR });
  reader = await idp.token({ tenant_id: 'acme', sub: 'user:alice', scope: 'conversations:read' });
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

/** A new conversation and a run started in it: `[conversation id, run id]`. */
async function startRun(): Promise<[string, string]> {
  const id = `runs-live-${randomUUID()}`;
  expect((await call('PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  const started = await call('POST', `/v1/conversations/${id}/runs`, {});
  expect(started.status).toBe(201);
  return [id, started.body.run_id as string];
}

async function deltas(runId: string, from: number, to: number): Promise<void> {
  for (let first = from; first <= to; first += BATCH) {
    const events = Array.from({ length: BATCH }, (_, i) => ({ kind: 'text-delta', delta: `d${first + i} ` }));
    const sent = await call('POST', `/v1/runs/${runId}/events`, { events, producer_seq: first });
    expect(sent).toMatchObject({ status: 201, body: { last_run_seq: first + BATCH - 1 } });
  }
}

async function phoenix(): Promise<PhoenixClient> {
  const url = `${realtime.baseUrl.replace(/^http/, 'ws')}/socket/websocket?vsn=2.0.0&token=${reader}`;
  return new PhoenixClient(await WebSocketProbe.open(url));
}

/** The pushes of `topic` (no replies), in arrival order. */
const pushes = (client: PhoenixClient, topic: string): PhoenixMessage[] =>
  client.messages.filter((m) => m[2] === topic && m[3] !== 'phx_reply');

/** What a Phoenix client saw on `topic`: run_seqs, run statuses and `message:<seq>`. */
const seen = (client: PhoenixClient, topic: string): Array<number | string> =>
  pushes(client, topic).map((m) =>
    m[3] === 'run_event'
      ? (m[4].run_seq as number)
      : m[3] === 'run_status'
        ? (m[4].status as string)
        : `${m[3]}:${String(m[4].seq)}`,
  );

it('a Phoenix subscriber joining at delta 1,000 of 2,000 sees 1..2,000 in order, then run_status committed, then the message', async () => {
  const [id, runId] = await startRun();
  await deltas(runId, 1, 1000);

  const client = await phoenix();
  const topic = `conversation:${id}`;
  expect(await client.join(topic, { cursor: 0 })).toEqual({ status: 'ok', response: {} });
  await deltas(runId, 1001, 2000);
  const committed = await call('POST', `/v1/runs/${runId}/commit`);
  expect(committed.status).toBe(200);
  const seq = (committed.body.messages as Array<{ seq: number }>)[0].seq;

  await eventually('the committed message', async () => client.seqs(topic).includes(seq), 30_000);
  expect(seen(client, topic)).toEqual([...range(1, 2000), 'committed', `message:${seq}`]);
  const frames = pushes(client, topic);
  expect(frames.at(-2)?.[4]).toMatchObject({ run_id: runId, status: 'committed', message_seqs: [seq] });
  expect(frames[0][4]).toEqual({ type: 'run_event', run_id: runId, run_seq: 1, kind: 'text-delta', delta: 'd1 ' });
  await client.probe.close();
}, 120_000);

it('a Phoenix subscriber that rejoins mid-run with run_cursors gets each event once, in order, then the commit', async () => {
  const [id, runId] = await startRun();
  const topic = `conversation:${id}`;
  await deltas(runId, 1, 300);
  const before = await phoenix();
  expect(await before.join(topic, { cursor: 0 })).toEqual({ status: 'ok', response: {} });
  await deltas(runId, 301, 400);
  await eventually('run_seq 400 before the rejoin', async () => seen(before, topic).includes(400), 30_000);
  await before.probe.close();
  const cursor = seen(before, topic).at(-1) as number;

  await deltas(runId, 401, 600);
  const after = await phoenix();
  expect(await after.join(topic, { cursor: 0, run_cursors: { [runId]: cursor } })).toEqual({
    status: 'ok',
    response: {},
  });
  await deltas(runId, 601, 700);
  const committed = await call('POST', `/v1/runs/${runId}/commit`);
  const seq = (committed.body.messages as Array<{ seq: number }>)[0].seq;
  await eventually('the committed message after the rejoin', async () => after.seqs(topic).includes(seq), 30_000);

  expect(seen(before, topic)).toEqual(range(1, cursor));
  expect(seen(after, topic)).toEqual([...range(cursor + 1, 700), 'committed', `message:${seq}`]);
  await after.probe.close();
}, 120_000);

it('a cancel by a principal without runs:write reaches an SSE subscriber after every accepted event, and nothing of the run is appended', async () => {
  const [id, runId] = await startRun();
  await deltas(runId, 1, 100);
  const url = `${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`;
  const sse = await SseClient.open(url, { authorization: `Bearer ${reader}` });
  await deltas(runId, 101, 200);

  const cancel = await call('POST', `/v1/runs/${runId}/cancel`, undefined, moderator);
  expect(cancel).toMatchObject({ status: 200, body: { status: 'cancelled', reason: 'requested', last_run_seq: 200 } });
  const late = await call('POST', `/v1/runs/${runId}/events`, { events: [{ kind: 'text-delta', delta: 'late' }] });
  expect(late).toMatchObject({ status: 409, body: { error: 'run_cancelled' } });
  expect((await call('POST', `/v1/runs/${runId}/commit`)).body.error).toBe('run_cancelled');
  const after = await call('POST', `/v1/conversations/${id}/messages`, { message: textMessage('after the cancel') });
  expect(after).toMatchObject({ status: 201, body: { seq: 1 } });

  const frames = (): Frame[] => sse.events.map((e) => e.data as unknown as Frame);
  await eventually('the message appended after the cancel', async () => frames().some((f) => f.type === 'message'));
  sse.close();
  expect(trace(frames(), runId)).toEqual([...range(1, 200).map((s) => `${runId}:${s}`), `${runId}:cancelled`, 'msg:1']);
  expect(frames().find((f) => f.type === 'run_status')).toMatchObject({
    run_id: runId,
    status: 'cancelled',
    reason: 'requested',
    last_run_seq: 200,
    message_seqs: [],
  });
  expect(runSeqs(frames(), runId)).toHaveLength(200);
  const log = await call('GET', `/v1/conversations/${id}/messages?from=1`);
  expect((log.body.messages as Array<{ seq: number }>).map((m) => m.seq)).toEqual([1]);
}, 120_000);

it('two runs streaming at once in one conversation reach a mid-run subscriber each in its own order, each before its message', async () => {
  const [id, first] = await startRun();
  const started = await call('POST', `/v1/conversations/${id}/runs`, {});
  expect(started.status).toBe(201);
  const second = started.body.run_id as string;
  const interleaved = async (from: number, to: number) => {
    for (let n = from; n <= to; n += BATCH) {
      await Promise.all([deltas(first, n, n + BATCH - 1), deltas(second, n, n + BATCH - 1)]);
    }
  };
  await interleaved(1, 200);
  const sse = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`, {
    authorization: `Bearer ${reader}`,
  });
  await interleaved(201, 400);
  const seqs: number[] = [];
  for (const runId of [second, first]) {
    const committed = await call('POST', `/v1/runs/${runId}/commit`);
    seqs.push((committed.body.messages as Array<{ seq: number }>)[0].seq);
  }
  expect(seqs).toEqual([1, 2]);

  const frames = (): Frame[] => sse.events.map((e) => e.data as unknown as Frame);
  await eventually('both messages', async () => frames().filter((f) => f.type === 'message').length === 2);
  sse.close();
  const order = frames().flatMap((f) => {
    if (f.type === 'message') return [`msg:${String(f.seq)}`];
    if (f.type === 'run_event') return [`${String(f.run_id)}:${String(f.run_seq)}`];
    return f.type === 'run_status' ? [`${String(f.run_id)}:${String(f.status)}`] : [];
  });
  for (const [runId, seq] of [
    [second, 1],
    [first, 2],
  ] as const) {
    expect(runSeqs(frames(), runId)).toEqual(range(1, 400));
    const [last, status, message] = [`${runId}:400`, `${runId}:committed`, `msg:${seq}`].map((l) => order.indexOf(l));
    expect(last).toBeLessThan(status);
    expect(status).toBeLessThan(message);
  }
  expect(order.filter((l) => l.startsWith('msg:'))).toEqual(['msg:1', 'msg:2']);
}, 120_000);

it('a subscriber joining after events went out live, before the projector wrote them, gets them with no later event to show them', async () => {
  const [id, runId] = await startRun();
  const url = `${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`;
  const headers = { authorization: `Bearer ${reader}` };
  const framesOf = (client: SseClient): Frame[] => client.events.map((e) => e.data as unknown as Frame);
  const watcher = await SseClient.open(url, headers);
  await stack.projector.pause();
  try {
    await deltas(runId, 1, BATCH);
    await eventually('the events live', async () => runSeqs(framesOf(watcher), runId).includes(BATCH));
    const late = await SseClient.open(url, headers);
    await stack.projector.resume();
    await eventually('the events that went out before the late subscriber joined', async () =>
      runSeqs(framesOf(late), runId).includes(BATCH),
    );
    expect((await call('POST', `/v1/runs/${runId}/cancel`)).status).toBe(200);
    await eventually('the cancel', async () => trace(framesOf(late), runId).includes(`${runId}:cancelled`));
    late.close();
    expect(trace(framesOf(late), runId)).toEqual([
      ...range(1, BATCH).map((s) => `${runId}:${s}`),
      `${runId}:cancelled`,
    ]);
  } finally {
    watcher.close();
    await stack.projector.resume();
  }
}, 120_000);

it('an SSE client resumes with Last-Event-ID after realtime was SIGKILLed mid-run, with no event lost or repeated', async () => {
  const [id, runId] = await startRun();
  const url = `${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`;
  const headers = { authorization: `Bearer ${reader}` };
  await deltas(runId, 1, 200);
  const before = await SseClient.open(url, headers);
  await deltas(runId, 201, 300);
  const framesOf = (client: SseClient): Frame[] => client.events.map((e) => e.data as unknown as Frame);
  await eventually('run_seq 300 before the kill', async () => runSeqs(framesOf(before), runId).includes(300));
  await realtime.kill();
  await before.ended();
  await deltas(runId, 301, 500);
  await realtime.start();

  const after = await SseClient.open(url, { ...headers, 'last-event-id': before.lastEventId as string });
  await deltas(runId, 501, 600);
  const committed = await call('POST', `/v1/runs/${runId}/commit`);
  expect(committed.status).toBe(200);
  await eventually('the committed message after the restart', async () =>
    framesOf(after).some((f) => f.type === 'message'),
  );
  after.close();
  expect([...runSeqs(framesOf(before), runId), ...runSeqs(framesOf(after), runId)]).toEqual(range(1, 600));
  expect(trace(framesOf(after), runId).slice(-2)).toEqual([`${runId}:committed`, 'msg:1']);
}, 120_000);
