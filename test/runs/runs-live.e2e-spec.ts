/**
 * Runs live and resumable in realtime (AUTH_MODE=on), fed by hand: the tests
 * write the runs topic as the command does (RunFeed) and the runs tables as the
 * projector does (RunRows), with the projection lagging the topic, and the
 * committed message to the conversation topic and its projection. They prove a
 * mid-run join, an SSE resume with Last-Event-ID, a resume after realtime was
 * killed, and that another tenant sees nothing of a run.
 */
import { randomUUID } from 'node:crypto';
import { ConversationRef } from '@threadline/contracts';
import { appendedEvent } from '../support/event-builder';
import { TestIdentityProvider } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { isolatedEnv } from '../support/test-env';
import { EventFeed } from '../realtime/support/event-feed';
import { allocateFreePort } from '../realtime/support/free-port';
import { ProjectionRows } from '../realtime/support/projection-rows';
import { SseClient } from '../realtime/support/stream-clients';
import { HandRun, RunFeed, RunRows } from './support/run-feed';
import { Frame, PlainRunsClient, runSeqs, trace } from './support/run-frames';

const TENANT = 'acme';
const idp = new TestIdentityProvider();
const env = isolatedEnv('runs-live');
const feed = new EventFeed(env.KAFKA_TOPIC);
const runFeed = new RunFeed(env.KAFKA_RUNS_TOPIC);
const runRows = new RunRows();
const rows = new ProjectionRows();
let realtime: ServiceProcess;

const token = (tenant = TENANT) => idp.token({ tenant_id: tenant, sub: 'user:alice', scope: 'conversations:read' });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  const jwksUrl = await idp.start();
  const port = await allocateFreePort();
  realtime = new ServiceProcess('realtime', 'runs-live-realtime', port, {
    ...env,
    ...idp.authEnv(jwksUrl),
    REALTIME_PORT: String(port),
    CATCHUP_PAGE: '100',
  });
  await realtime.start();
  await Promise.all([feed.connect(), runFeed.connect(), runRows.connect(), rows.connect()]);
}, 90_000);

afterAll(async () => {
  await Promise.all([feed.disconnect(), runFeed.disconnect(), runRows.disconnect(), rows.disconnect()]);
  await realtime.stop();
  await idp.stop();
});

function newRun(): HandRun {
  return new HandRun(TENANT, `runs-${randomUUID()}`);
}

async function start(run: HandRun): Promise<void> {
  await runFeed.send(run.started());
  await runRows.started(run);
}

/** Deltas `from..to` in batches of `batch`: to the topic, and to Postgres one batch behind (a lagging projector). */
async function stream(run: HandRun, from: number, to: number, batch = 20): Promise<void> {
  let projected = from - 1;
  for (let first = from; first <= to; first += batch) {
    const last = Math.min(to, first + batch - 1);
    await runFeed.send(run.deltas(first, last));
    if (first - 1 > projected) {
      await runRows.deltas(run, projected + 1, first - 1);
      projected = first - 1;
    }
  }
  await runRows.deltas(run, projected + 1, to);
}

/** The commit as the command makes it: the message appended (metadata.run), then run.finished. */
async function commit(run: HandRun, seq: number, lastRunSeq: number): Promise<void> {
  const ref: ConversationRef = { tenantId: run.tenantId, conversationId: run.conversationId };
  const message = {
    role: 'assistant',
    parts: [{ type: 'text', text: 'the answer' }],
    metadata: { run: { id: run.runId, last_run_seq: lastRunSeq } },
    token_count: 1,
  };
  const appended = appendedEvent(ref, seq, message, null);
  await feed.send(appended);
  await rows.project(appended);
  await runFeed.send(run.finished('committed', lastRunSeq, [seq]));
  await runRows.finished(run, 'committed', [seq]);
}

it('a subscriber that joins at delta 1,000 of 2,000 sees 1..2,000 in order, then run_status committed, then the message', async () => {
  const run = newRun();
  await start(run);
  await stream(run, 1, 1000);
  const client = await PlainRunsClient.open(realtime.baseUrl, run.conversationId, await token(), '&cursor=0');
  await stream(run, 1001, 2000);
  await commit(run, 1, 2000);
  await client.waitFor('the committed message', (frames) => frames.some((f) => f.type === 'message'));
  const seen = trace(client.frames, run.runId);
  expect(seen).toEqual([...range(1, 2000).map((s) => `${run.runId}:${s}`), `${run.runId}:committed`, 'msg:1']);
  expect(client.frames.find((f) => f.type === 'run_status')).toMatchObject({ message_seqs: [1], last_run_seq: 2000 });
  expect(client.frames[0]).toEqual({
    type: 'run_event',
    run_id: run.runId,
    run_seq: 1,
    kind: 'text-delta',
    delta: 'd1',
  });
  client.close();
}, 60_000);

it('an SSE client that reconnects with Last-Event-ID mid-run gets every event once', async () => {
  const run = newRun();
  await start(run);
  await stream(run, 1, 100);
  const url = `${realtime.baseUrl}/v1/conversations/${run.conversationId}/events?cursor=0`;
  const headers = { authorization: `Bearer ${await token()}` };
  const first = await SseClient.open(url, headers);
  await eventually('run_seq 100 over SSE', async () => runSeqs(frames(first), run.runId).includes(100));
  first.close();
  const lastEventId = first.lastEventId as string;
  expect(lastEventId).toBe(`0.${run.runId}.100`);
  await stream(run, 101, 300);
  const second = await SseClient.open(url, { ...headers, 'last-event-id': lastEventId });
  await stream(run, 301, 400);
  await commit(run, 1, 400);
  await eventually('the message over SSE', async () => second.events.some((e) => e.event === 'message'));
  expect([...runSeqs(frames(first), run.runId), ...runSeqs(frames(second), run.runId)]).toEqual(range(1, 400));
  expect(second.events.at(-1)?.id).toBe('1');
  second.close();

  const malformed = await fetch(url, { headers: { ...headers, 'last-event-id': '3.run_x' } });
  expect(malformed.status).toBe(400);
  expect(await malformed.json()).toMatchObject({
    error: 'invalid_cursor',
    message: expect.stringContaining('Last-Event-ID'),
  });
}, 60_000);

it('after realtime is killed mid-run, a client that reconnects with its run cursor gets every event exactly once', async () => {
  const run = newRun();
  await start(run);
  await stream(run, 1, 200);
  const before = await PlainRunsClient.open(realtime.baseUrl, run.conversationId, await token(), '&cursor=0');
  await before.waitFor('run_seq 200', (f) => runSeqs(f, run.runId).includes(200));
  await realtime.kill();
  await stream(run, 201, 400);
  await realtime.start();
  const cursor = runSeqs(before.frames, run.runId).at(-1) as number;
  const after = await PlainRunsClient.open(
    realtime.baseUrl,
    run.conversationId,
    await token(),
    `&cursor=0&run_cursors=${run.runId}:${cursor}`,
  );
  await stream(run, 401, 500);
  await commit(run, 1, 500);
  await after.waitFor('the committed message', (f) => f.some((x) => x.type === 'message'));
  expect([...runSeqs(before.frames, run.runId), ...runSeqs(after.frames, run.runId)]).toEqual(range(1, 500));
  expect(trace(after.frames, run.runId).slice(-2)).toEqual([`${run.runId}:committed`, 'msg:1']);
  after.close();
}, 120_000);

it('a subscriber of another tenant with the same conversation id gets nothing of the run', async () => {
  const run = newRun();
  const owner = await PlainRunsClient.open(realtime.baseUrl, run.conversationId, await token(), '&cursor=0');
  const other = await PlainRunsClient.open(realtime.baseUrl, run.conversationId, await token('globex'), '&cursor=0');
  await start(run);
  await stream(run, 1, 50);
  await commit(run, 1, 50);
  await owner.waitFor('the committed message', (f) => f.some((x) => x.type === 'message'));
  expect(runSeqs(owner.frames, run.runId)).toEqual(range(1, 50));
  expect(other.frames).toEqual([]);
  owner.close();
  other.close();
}, 60_000);

const frames = (client: SseClient): Frame[] => client.events.map((e) => e.data as unknown as Frame);
