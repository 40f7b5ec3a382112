import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { eventually, ServiceProcess } from '../support/service-process';
import { isolatedEnv } from '../support/test-env';
import { appendedEvent, deletedEvent, EventFeed, tombstonedEvent } from './support/event-feed';
import { allocateFreePort } from './support/free-port';
import { joinChannel, phoenixSocket } from './support/phoenix-channel';
import { ProjectionRows } from './support/projection-rows';
import { PlainStreamClient, range, seqsOf, SseClient, StreamFrame } from './support/stream-clients';

/**
 * The realtime service fed by hand: these tests write the topic (EventFeed) and the
 * projection (ProjectionRows) themselves, to force orders the real system cannot be
 * made to produce on demand (out-of-order and missing seqs, a projection lagging the
 * topic, a deletion overtaking a seq). One test per such concern; delivery, resume
 * and hand-off through the real command and projector are in end-to-end.e2e-spec.ts.
 */
const env = isolatedEnv('rt');
const settings = {
  REORDER_TIMEOUT_MS: '1000',
  HEARTBEAT_INTERVAL_MS: '30000',
  CLIENT_BUFFER_BYTES: String(256 * 1024),
  CATCHUP_PAGE: '20',
};

async function realtimeProcess(name: string, overrides: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await allocateFreePort();
  return new ServiceProcess('realtime', name, port, { ...env, ...settings, ...overrides, REALTIME_PORT: String(port) });
}

let main: ServiceProcess;
const feed = new EventFeed(env.KAFKA_TOPIC);
const rows = new ProjectionRows();
const newId = () => `rt-${randomUUID()}`;

beforeAll(async () => {
  main = await realtimeProcess('rt-main');
  await main.start();
  await Promise.all([feed.connect(), rows.connect()]);
}, 90_000);

afterAll(async () => {
  await Promise.all([feed.disconnect(), rows.disconnect()]);
  await main.stop();
});

/** Appends seqs the way the real system does: to the topic, and (a little later) to the projection. */
async function appendEverywhere(conversationId: string, from: number, to: number): Promise<void> {
  const events = range(from, to).map((seq) => appendedEvent(conversationId, seq));
  await feed.send(...events);
  await rows.project(...events);
}

it('plain ws resumes from cursor with no gap or duplicate at the hand-off', async () => {
  const id = newId();
  await rows.project(...range(1, 50).map((seq) => appendedEvent(id, seq)));

  // Live seqs 51..100 go to the topic one by one; the "projector" writes each 30 ms later. The delays are
  // the thing under test: the projection lags the topic while the client's catch-up meets the live events.
  let produced = 50;
  const projecting: Promise<void>[] = [];
  const producing = (async () => {
    for (let seq = 51; seq <= 100; seq += 1) {
      const event = appendedEvent(id, seq);
      await feed.send(event);
      projecting.push(sleep(30).then(() => rows.project(event)));
      produced = seq;
      await sleep(5);
    }
  })();
  await eventually('the producer to be half-way', async () => produced >= 60);

  const client = await PlainStreamClient.open(main.baseUrl, id, 10);
  await producing;
  await Promise.all(projecting);
  // Seq 101 marks the end: frames arrive in seq order, so a duplicate of an earlier seq would be before it.
  await appendEverywhere(id, 101, 101);
  await client.waitForSeq(101);

  expect(client.frames.filter((f) => f.type === 'gap')).toEqual([]);
  expect(client.seqs).toEqual(range(11, 101));
  expect(client.frames[0]).toEqual({
    type: 'message',
    seq: 11,
    version: 11,
    message: { role: 'user', parts: [{ type: 'text', text: 'message 11' }], metadata: { n: 11 }, token_count: 1 },
    inserted_at: expect.stringMatching(/Z$/),
  });
  client.close();
});

it('refuses a bad cursor or conversation id with a 400 JSON body before the upgrade', async () => {
  const refused = (path: string) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const ws = new WebSocket(`${main.baseUrl.replace(/^http/, 'ws')}${path}`);
      ws.on('open', () => reject(new Error('upgraded')));
      ws.on('error', () => undefined);
      ws.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
    });
  await expect(refused(`/v1/conversations/${newId()}/stream?cursor=-4`)).resolves.toMatchObject({
    status: 400,
    body: { error: 'invalid_cursor', message: expect.any(String) },
  });
  await expect(refused('/v1/conversations/%2Fbad/stream')).resolves.toMatchObject({
    status: 400,
    body: { error: 'invalid_conversation_id' },
  });
  const sse = await fetch(`${main.baseUrl}/v1/conversations/${newId()}/events?cursor=abc`);
  expect(sse.status).toBe(400);
  expect(await sse.json()).toMatchObject({ error: 'invalid_cursor' });
});

it('out-of-order seqs are delivered in order; a missing seq becomes a gap event after the reorder timeout', async () => {
  const id = newId();
  const client = await PlainStreamClient.open(main.baseUrl, id, 0);
  const ev = (seq: number) => appendedEvent(id, seq);

  await feed.send(ev(1), ev(3), ev(2), ev(5), ev(4), ev(3));
  await client.waitForSeq(5);
  expect(client.seqs).toEqual([1, 2, 3, 4, 5]);

  // Seq 6 never comes, anywhere: after REORDER_TIMEOUT_MS (1 s) the client is told, and the stream goes on.
  const sentAt = Date.now();
  await feed.send(ev(7), ev(8));
  await client.waitForSeq(8);
  expect(Date.now() - sentAt).toBeGreaterThanOrEqual(900);
  expect(client.frames.slice(5).map((f) => (f.type === 'gap' ? f : f.seq))).toEqual([
    { type: 'gap', expected: 6, actual: 7 },
    7,
    8,
  ]);

  // Seq 9 misses the topic but the projection has it: it is fetched from Postgres, no gap.
  await rows.project(ev(9));
  await feed.send(ev(10));
  await client.waitForSeq(10);
  expect(client.seqs.slice(-3)).toEqual([8, 9, 10]);
  expect(client.frames.filter((f) => f.type === 'gap')).toHaveLength(1);
  client.close();
});

it('tombstone events at their seq; conversation.deleted ends the stream', async () => {
  const id = newId();
  const ws = await PlainStreamClient.open(main.baseUrl, id, 0);
  const { socket } = phoenixSocket(main.baseUrl);
  try {
    const phx = await joinChannel(socket, `conversation:${id}`, { cursor: 0 });
    let phxClosed = false;
    phx.channel.onClose(() => {
      phxClosed = true;
    });

    // The deletion overtakes seq 3 in the topic: the stream still delivers seq 3 first.
    const events = [
      appendedEvent(id, 1),
      tombstonedEvent(id, 2, 'abandoned'),
      deletedEvent(id, 3),
      appendedEvent(id, 3),
    ];
    await feed.send(...events);

    expect(await ws.closed).toEqual({ code: 4410, reason: 'conversation_deleted' });
    const expectedFrames: Partial<StreamFrame>[] = [
      { type: 'message', seq: 1 },
      { type: 'tombstone', seq: 2, reason: 'abandoned', inserted_at: expect.any(String) as string },
      { type: 'message', seq: 3 },
      { type: 'conversation_deleted', last_seq: 3 },
    ];
    expect(ws.frames).toMatchObject(expectedFrames);

    await eventually('the phoenix channel to close', async () => phxClosed);
    expect(phx.pushes).toEqual([
      expect.objectContaining({ event: 'message', payload: expect.objectContaining({ seq: 1 }) }),
      { event: 'tombstone', payload: { type: 'tombstone', seq: 2, reason: 'abandoned' } },
      expect.objectContaining({ event: 'message', payload: expect.objectContaining({ seq: 3 }) }),
      { event: 'tombstone', payload: { type: 'tombstone', conversation: true, last_seq: 3 } },
    ]);

    // Joining the deleted conversation later: catch-up, then the same end.
    await rows.project(...events);
    const late = await PlainStreamClient.open(main.baseUrl, id, 1);
    expect(await late.closed).toEqual({ code: 4410, reason: 'conversation_deleted' });
    expect(late.frames.map((f) => f.type)).toEqual(['tombstone', 'message', 'conversation_deleted']);
    const sse = await SseClient.open(`${main.baseUrl}/v1/conversations/${id}/events?cursor=0`);
    // The server itself ends the response right after the deletion frame.
    expect(await sse.ended()).toEqual({ end: 'server_closed' });
    expect(sse.events.map((e) => e.event)).toEqual(['message', 'tombstone', 'message', 'conversation_deleted']);
  } finally {
    socket.disconnect();
  }
});

it('two realtime instances: SIGKILL one, its client reconnects to the other with its cursor, nothing lost or repeated', async () => {
  const other = await realtimeProcess('rt-doomed');
  await other.start();
  const id = newId();
  let produced = 0;
  // Paced, so that seqs are still being produced when the instance is killed and while the client reconnects.
  const producing = (async () => {
    for (let seq = 1; seq <= 300; seq += 1) {
      await appendEverywhere(id, seq, seq);
      produced = seq;
      await sleep(3);
    }
  })();

  try {
    const first = await PlainStreamClient.open(other.baseUrl, id, 0);
    await first.waitForSeq(100);
    await other.kill();
    const closed = await first.closed;
    expect(closed.code).toBe(1006);
    expect(produced).toBeLessThan(300);

    const second = await PlainStreamClient.open(main.baseUrl, id, first.lastSeq);
    await producing;
    // Seq 301 marks the end: frames arrive in seq order, so a duplicate of an earlier seq would be before it.
    await appendEverywhere(id, 301, 301);
    await second.waitForSeq(301);
    const frames = [...first.frames, ...second.frames];
    expect(frames.filter((f) => f.type === 'gap')).toEqual([]);
    expect(seqsOf(frames)).toEqual(range(1, 301));
    second.close();
  } finally {
    await producing.catch(() => undefined);
    await other.kill();
  }
});

it('a slow client is closed with 4408 while a fast one keeps receiving', async () => {
  const id = newId();
  const fast = await PlainStreamClient.open(main.baseUrl, id, 0);
  const slow = await PlainStreamClient.open(main.baseUrl, id, 0);
  slow.ws.pause();

  // 1000 x 16 KiB: far more than the socket buffers and the 256 KiB CLIENT_BUFFER_BYTES. Paced by the
  // fast client, so that only the paused one falls behind, however busy the machine is.
  const total = 1000;
  const batch = 20;
  const text = 'x'.repeat(16 * 1024);
  for (let from = 1; from <= total; from += batch) {
    const to = Math.min(from + batch - 1, total);
    await feed.send(...range(from, to).map((seq) => appendedEvent(id, seq, text)));
    await fast.waitForSeq(to, 30_000);
  }
  expect(fast.seqs).toEqual(range(1, total));

  slow.ws.resume();
  expect(await slow.closed).toEqual({ code: 4408, reason: 'slow_consumer' });
  expect(slow.seqs.length).toBeLessThan(total);
  expect(slow.seqs).toEqual(range(1, slow.seqs.length));

  const metrics = await (await fetch(`${main.baseUrl}/metrics`)).text();
  expect(metrics).toMatch(/threadline_realtime_slow_consumer_closes_total\{protocol="ws"[^}]*\} 1\b/);
  fast.close();
});

it('a client catching up a long history is paced by its own reads, not closed as a slow consumer', async () => {
  const id = newId();
  const text = 'y'.repeat(64 * 1024);
  // 200 x 64 KiB = 12.5 MiB of history against a 256 KiB CLIENT_BUFFER_BYTES. (On loopback the kernel's socket
  // buffers absorb a whole page; the pacing itself is unit-tested in conversation-stream.spec.ts.)
  await rows.project(...range(1, 200).map((seq) => appendedEvent(id, seq, text)));
  const client = await PlainStreamClient.open(main.baseUrl, id, 0);
  await client.waitForSeq(200, 60_000);
  expect(client.seqs).toEqual(range(1, 200));
  expect(client.ws.readyState).toBe(WebSocket.OPEN);
  client.close();
});

it('heartbeats: SSE streams get ": ping" comments, a WebSocket that stops answering pings is dropped', async () => {
  // An interval long enough that the live client's pong always makes it, even on a loaded machine.
  const beating = await realtimeProcess('rt-heartbeat', { HEARTBEAT_INTERVAL_MS: '1000' });
  await beating.start();
  try {
    const id = newId();
    const sse = await SseClient.open(`${beating.baseUrl}/v1/conversations/${id}/events`);
    const alive = await PlainStreamClient.open(beating.baseUrl, id, 0);
    const stuck = await PlainStreamClient.open(beating.baseUrl, id, 0);
    stuck.ws.pause();
    await eventually('two ping comments', async () => sse.comments >= 2, 15_000);
    stuck.ws.resume();
    // The paused client missed a ping: it is dropped without a close handshake.
    expect((await stuck.closed).code).toBe(1006);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    alive.close();
    sse.close();
  } finally {
    await beating.kill();
  }
});

it('SIGTERM asks every client to reconnect: WebSockets close with 1012, SSE streams end', async () => {
  const leaving = await realtimeProcess('rt-leaving');
  await leaving.start();
  const sockets: WebSocket[] = [];
  try {
    const id = newId();
    const ws = await PlainStreamClient.open(leaving.baseUrl, id, 0);
    sockets.push(ws.ws);
    const sse = await SseClient.open(`${leaving.baseUrl}/v1/conversations/${id}/events?cursor=0`);
    const phoenix = new WebSocket(`${leaving.baseUrl.replace(/^http/, 'ws')}/socket/websocket?vsn=2.0.0`);
    sockets.push(phoenix);
    const phoenixClosed = new Promise<number>((resolve) => phoenix.on('close', (code: number) => resolve(code)));
    const joined = new Promise<unknown>((resolve) =>
      phoenix.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))),
    );
    phoenix.on('open', () => phoenix.send(JSON.stringify(['1', '1', `conversation:${id}`, 'phx_join', { cursor: 0 }])));
    expect(await joined).toEqual(['1', '1', `conversation:${id}`, 'phx_reply', { status: 'ok', response: {} }]);

    await appendEverywhere(id, 1, 3);
    await ws.waitForSeq(3);
    await eventually('seq 3 over SSE', async () => sse.seqs.includes(3));

    await leaving.stop();
    expect(await ws.closed).toEqual({ code: 1012, reason: 'service restart' });
    expect(await phoenixClosed).toBe(1012);
    expect(await sse.ended()).toEqual({ end: 'server_closed' });
    expect(sse.seqs).toEqual([1, 2, 3]);
  } finally {
    sockets.forEach((socket) => socket.terminate());
    await leaving.kill();
  }
});
