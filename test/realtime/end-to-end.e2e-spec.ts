import { randomUUID } from 'node:crypto';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { joinChannel, leaveChannel, phoenixSocket, pushSeqs } from './support/phoenix-channel';
import { PlainStreamClient, range, SseClient } from './support/stream-clients';

/**
 * The realtime service fed by the real system: appends go through the command's
 * REST API to Kafka, the real projector writes Postgres, and subscribers over
 * Phoenix, plain WebSocket and SSE get them. Nothing here writes the topic or the
 * projection itself (realtime.e2e-spec.ts does, where a test needs an order of
 * events the real system cannot be made to produce on demand).
 */

const stack = new CommandStack('rt-e2e');
const realtimePort = allocatePort();
const realtime = new ServiceProcess('realtime', 'rt-e2e-realtime', realtimePort, {
  ...stack.env,
  REALTIME_PORT: String(realtimePort),
  CATCHUP_PAGE: '20',
});

beforeAll(async () => {
  await stack.start();
  await realtime.start();
}, 120_000);
afterAll(async () => {
  await realtime.stop();
  await stack.stop();
});

const newId = () => `rt-e2e-${randomUUID()}`;
const text = (seq: number) => `message ${seq}`;

async function create(id: string): Promise<void> {
  expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
}

/** Appends through the REST API, one after another, each expected to get the next seq. */
async function appendRange(id: string, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq += 1) {
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
      message: textMessage(text(seq)),
    });
    expect({ status: res.status, seq: res.body.seq }).toEqual({ status: 201, seq });
  }
}

/** Waits until a strong read shows seq `seq` projected: the catch-up of a new subscriber can read it. */
async function projected(id: string, seq: number): Promise<void> {
  await eventually(`seq ${seq} of ${id} projected`, async () => {
    const res = await api<{ messages: { seq: number }[] }>(
      stack.baseUrl,
      'GET',
      `/v1/conversations/${id}/tail?limit=1&consistency=eventual`,
    );
    return res.body.messages.at(-1)?.seq === seq;
  });
}

it('appends through the REST API reach Phoenix, plain WebSocket and SSE subscribers in seq order, as sent', async () => {
  const id = newId();
  await create(id);
  const ws = await PlainStreamClient.open(realtime.baseUrl, id, 0);
  const sse = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`);
  const { socket, opens } = phoenixSocket(realtime.baseUrl);
  try {
    const phx = await joinChannel(socket, `conversation:${id}`, { cursor: 0 });

    await appendRange(id, 1, 30);

    await ws.waitForSeq(30);
    await eventually('seq 30 over SSE', async () => sse.seqs.includes(30));
    await eventually('seq 30 over Phoenix', async () => pushSeqs(phx.pushes).includes(30));
    expect(ws.seqs).toEqual(range(1, 30));
    expect(sse.seqs).toEqual(range(1, 30));
    expect(pushSeqs(phx.pushes)).toEqual(range(1, 30));
    const texts = range(1, 30).map(text);
    expect(ws.frames.map((f) => (f.message?.parts[0] as { text: string }).text)).toEqual(texts);
    expect(sse.events.map((e) => (e.data.message?.parts[0] as { text: string }).text)).toEqual(texts);
    expect(phx.pushes.map((p) => (p.payload.message as { parts: { text: string }[] }).parts[0].text)).toEqual(texts);
    expect(ws.frames[0]).toEqual({
      type: 'message',
      seq: 1,
      version: 1,
      message: { role: 'user', parts: [{ type: 'text', text: 'message 1' }], metadata: {}, token_count: 2 },
      inserted_at: expect.stringMatching(/Z$/) as string,
    });
    expect(sse.events.every((e) => e.event === 'message' && e.id === String(e.data.seq))).toBe(true);
    // Heartbeats (every 400 ms) were answered all along: the Phoenix socket never had to reconnect.
    expect(opens()).toBe(1);
  } finally {
    ws.close();
    sse.close();
    socket.disconnect();
  }
});

it('each protocol resumes from its cursor while appends go on: the seqs after it, caught up then live, none missing or repeated', async () => {
  const id = newId();
  await create(id);
  await appendRange(id, 1, 40);
  await projected(id, 40);

  let appended = 40;
  const writing = (async () => {
    for (let seq = 41; seq <= 120; seq += 1) {
      await appendRange(id, seq, seq);
      appended = seq;
    }
  })();
  const { socket, opens } = phoenixSocket(realtime.baseUrl);
  const liveSocket = phoenixSocket(realtime.baseUrl);
  try {
    await eventually('the writer to be under way', async () => appended >= 50);
    const ws = await PlainStreamClient.open(realtime.baseUrl, id, 25);
    // Last-Event-ID wins over ?cursor= (a reconnecting EventSource keeps its URL).
    const sse = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`, {
      'Last-Event-ID': '25',
    });
    const phx = await joinChannel(socket, `conversation:${id}`, { cursor: 25 });
    // No cursor: live only, from the join on (FleetLM).
    const live = await joinChannel(liveSocket.socket, `conversation:${id}`, {});
    await writing;

    await ws.waitForSeq(120, 30_000);
    await eventually('seq 120 over SSE', async () => sse.seqs.includes(120), 30_000);
    await eventually('seq 120 over Phoenix', async () => pushSeqs(phx.pushes).includes(120), 30_000);
    for (const [name, seqs, types] of [
      ['ws', ws.seqs, ws.frames.map((f) => f.type)],
      ['sse', sse.seqs, sse.events.map((e) => e.event)],
      ['phoenix', pushSeqs(phx.pushes), phx.pushes.map((p) => p.event)],
    ] as const) {
      expect({ name, seqs }).toEqual({ name, seqs: range(26, 120) });
      expect({ name, gaps: types.filter((t) => t === 'gap') }).toEqual({ name, gaps: [] });
    }
    await eventually('seq 120 on the live-only channel', async () => pushSeqs(live.pushes).includes(120));
    const liveSeqs = pushSeqs(live.pushes);
    expect(liveSeqs[0]).toBeGreaterThan(40);
    expect(liveSeqs).toEqual(range(liveSeqs[0], 120));
    ws.close();

    // A client that went away resumes with the last seq it saw, and gets exactly what it missed.
    sse.close();
    await leaveChannel(phx.channel);
    await appendRange(id, 121, 130);
    await projected(id, 130);
    const resumedSse = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events`, {
      'Last-Event-ID': sse.lastEventId ?? '',
    });
    const rejoined = await joinChannel(socket, `conversation:${id}`, { cursor: pushSeqs(phx.pushes).at(-1) });
    await eventually('seq 130 over SSE', async () => resumedSse.seqs.includes(130));
    await eventually('seq 130 over Phoenix', async () => pushSeqs(rejoined.pushes).includes(130));
    expect(resumedSse.seqs).toEqual(range(121, 130));
    expect(pushSeqs(rejoined.pushes)).toEqual(range(121, 130));
    expect(opens()).toBe(1);
    resumedSse.close();
  } finally {
    await writing.catch(() => undefined);
    socket.disconnect();
    liveSocket.socket.disconnect();
  }
});

it('a DELETE through the REST API ends every stream after the last seq', async () => {
  const id = newId();
  await create(id);
  await appendRange(id, 1, 3);
  const ws = await PlainStreamClient.open(realtime.baseUrl, id, 0);
  const sse = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`);
  const { socket } = phoenixSocket(realtime.baseUrl);
  try {
    const phx = await joinChannel(socket, `conversation:${id}`, { cursor: 0 });
    let phxClosed = false;
    phx.channel.onClose(() => {
      phxClosed = true;
    });

    expect((await api(stack.baseUrl, 'DELETE', `/v1/conversations/${id}`)).status).toBe(204);

    expect(await ws.closed).toEqual({ code: 4410, reason: 'conversation_deleted' });
    expect(ws.frames.map((f) => f.type)).toEqual(['message', 'message', 'message', 'conversation_deleted']);
    expect(ws.frames.at(-1)).toEqual({ type: 'conversation_deleted', last_seq: 3 });
    expect(await sse.ended()).toEqual({ end: 'server_closed' });
    expect(sse.events.map((e) => e.event)).toEqual(['message', 'message', 'message', 'conversation_deleted']);
    await eventually('the Phoenix channel to close', async () => phxClosed);
    expect(phx.pushes.at(-1)).toEqual({
      event: 'tombstone',
      payload: { type: 'tombstone', conversation: true, last_seq: 3 },
    });
    expect(pushSeqs(phx.pushes)).toEqual([1, 2, 3]);
  } finally {
    socket.disconnect();
  }
});
