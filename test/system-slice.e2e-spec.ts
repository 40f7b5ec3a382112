import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import WebSocket from 'ws';
import { api, textMessage } from './support/api-client';
import { CommandStack } from './support/command-stack';
import { eventually, ServiceProcess } from './support/service-process';
import { allocatePort, TEST_DATABASE_URL } from './support/test-env';
import { PlainStreamClient, range, SseClient } from './realtime/support/stream-clients';

const stack = new CommandStack('slice', 2);
const realtimePort = allocatePort();
const realtime = new ServiceProcess('realtime', 'slice-realtime', realtimePort, {
  ...stack.env,
  REALTIME_PORT: String(realtimePort),
});

beforeAll(async () => {
  await stack.start();
  await realtime.start();
}, 120_000);
afterAll(async () => {
  await realtime.stop();
  await stack.stop();
});

it('carries an append through every hop: REST → Redis → Kafka → Postgres → tail read, and to a WebSocket client', async () => {
  const id = `slice-${randomUUID()}`;
  expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, { metadata: { via: 'slice' } })).status).toBe(200);

  const received: { type: string; seq?: number }[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${realtimePort}/v1/conversations/${id}/stream?cursor=0`);
  ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as { type: string; seq?: number }));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));

  const appended = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
    message: textMessage('through every hop'),
  });
  expect(appended.status).toBe(201);
  expect(appended.body.seq).toBe(1);

  const db = new Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  const rows = await eventually('the projector to write the row', async () => {
    const res = await db.query('SELECT seq, role, parts FROM messages WHERE conversation_id = $1', [id]);
    return res.rowCount === 1 ? res.rows : undefined;
  });
  await db.end();
  expect(rows[0]).toMatchObject({ seq: '1', role: 'user', parts: [{ type: 'text', text: 'through every hop' }] });

  const tail = await api<{ messages: { seq: number; parts: unknown[] }[] }>(
    stack.baseUrl,
    'GET',
    `/v1/conversations/${id}/tail`,
  );
  expect(tail.body.messages).toMatchObject([{ seq: 1, parts: [{ type: 'text', text: 'through every hop' }] }]);

  await eventually('the WebSocket client to receive seq 1', async () => received.find((e) => e.type === 'message'));
  expect(received.filter((e) => e.type === 'message')).toMatchObject([{ seq: 1 }]);
  ws.close();
});

it('concurrent writers through two command instances: every subscriber, early or late, WebSocket or SSE, sees seqs 1..N once each, in order', async () => {
  const id = `slice-concurrent-${randomUUID()}`;
  await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {});
  const early = await PlainStreamClient.open(realtime.baseUrl, id, 0);
  const sse = await SseClient.open(`${realtime.baseUrl}/v1/conversations/${id}/events?cursor=0`);
  let late: PlainStreamClient | undefined;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let n = 0; n < 50; n += 1) {
      const res = await api(stack.commands[w % 2].baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
        message: textMessage(`w${w}-${n}`),
      });
      expect(res.status).toBe(201);
      if (w === 0 && n === 25) {
        late = await PlainStreamClient.open(realtime.baseUrl, id, 0);
      }
    }
  });
  await Promise.all(writers);
  const all = range(1, 400);
  await early.waitForSeq(400, 60_000);
  await late!.waitForSeq(400, 60_000);
  await eventually('SSE to reach seq 400', async () => sse.seqs.includes(400), 60_000);
  for (const [name, seqs, frames] of [
    ['early ws', early.seqs, early.frames],
    ['late ws', late!.seqs, late!.frames],
    ['sse', sse.seqs, sse.events.map((e) => e.data)],
  ] as const) {
    expect({ name, seqs }).toEqual({ name, seqs: all });
    expect({ name, gaps: frames.filter((f) => f.type === 'gap') }).toEqual({ name, gaps: [] });
  }
  early.close();
  late!.close();
  sse.close();
});
