import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { appendedEvent } from '../support/event-builder';
import { flushIndex, indexEpoch, produceEvents } from '../support/hand-built-events';
import { eventually } from '../support/service-process';

const stack = new CommandStack('watermark-reads');

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop());

interface Page {
  messages: Array<{ seq: number; kind: string }>;
  next_cursor: number | null;
  consistency: string;
}

const replay = (id: string, from: number, consistency = 'strong') =>
  api<Page>(stack.baseUrl, 'GET', `/v1/conversations/${id}/messages?from=${from}&consistency=${consistency}`);
const tail = (id: string) => api<Page>(stack.baseUrl, 'GET', `/v1/conversations/${id}/tail`);
const seqsOf = (page: ApiResponse<Page>) => page.body.messages.map((m) => m.seq);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

async function conversationWith(count: number): Promise<string> {
  const id = `watermark-${randomUUID()}`;
  expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  for (let seq = 1; seq <= count; seq += 1) {
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
      message: textMessage(`m${seq}`),
    });
    expect({ status: res.status, seq: res.body.seq }).toEqual({ status: 201, seq });
  }
  return id;
}

it('never shows seq 8 before seq 7 has landed, and a strong read after 7 is acknowledged waits for it', async () => {
  const id = await conversationWith(6);
  const epoch = await indexEpoch(stack.env.REDIS_KEY_PREFIX);
  await produceEvents(stack.env.KAFKA_TOPIC, appendedEvent(id, 8, 'eight, landed before seven', epoch));

  const stopped = await eventually('a replay that stops at the hole at seq 7', async () => {
    const page = await replay(id, 1);
    return page.status === 200 && page.body.consistency === 'stale' && page;
  });
  expect(seqsOf(stopped)).toEqual(upTo(6));
  expect(stopped.body.next_cursor).toBe(7);
  const atTheHole = await replay(id, 7, 'eventual');
  expect({
    seqs: seqsOf(atTheHole),
    next: atTheHole.body.next_cursor,
    consistency: atTheHole.body.consistency,
  }).toEqual({ seqs: [], next: 7, consistency: 'stale' });
  const cutTail = await tail(id);
  expect({ seqs: seqsOf(cutTail), consistency: cutTail.body.consistency }).toEqual({
    seqs: upTo(6),
    consistency: 'stale',
  });

  const projector = stack.projector.pid as number;
  process.kill(projector, 'SIGSTOP');
  let strongRead: Promise<ApiResponse<Page>>;
  try {
    const seven = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage('m7') });
    expect({ status: seven.status, seq: seven.body.seq }).toEqual({ status: 201, seq: 7 });
    strongRead = replay(id, 1);
    const answeredBeforeSevenWasProjected = await Promise.race([
      strongRead.then(() => true),
      sleep(1000).then(() => false),
    ]);
    expect(answeredBeforeSevenWasProjected).toBe(false);
  } finally {
    process.kill(projector, 'SIGCONT');
  }
  const complete = await strongRead;
  expect({ seqs: seqsOf(complete), next: complete.body.next_cursor, consistency: complete.body.consistency }).toEqual({
    seqs: upTo(8),
    next: 9,
    consistency: 'strong',
  });
  const fullTail = await tail(id);
  expect({ seqs: seqsOf(fullTail), consistency: fullTail.body.consistency }).toEqual({
    seqs: upTo(8),
    consistency: 'strong',
  });
});

it('answers reads 200 stale from the projection while the head index is rebuilt, and strong again after', async () => {
  const id = await conversationWith(3);
  await eventually('the appends to be projected', async () => (await replay(id, 1)).body.consistency === 'strong');
  // A rebuild waits for the projector to reach the end of the topic: with the projector stopped behind an
  // acknowledged append, it cannot finish.
  await stack.projector.stop();
  const unprojected = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
    message: textMessage('not projected yet'),
  });
  expect(unprojected.body).toMatchObject({ seq: 4 });
  expect(await flushIndex(stack.env.REDIS_KEY_PREFIX)).toBeGreaterThan(0);
  const append = () => api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage('x') });
  expect((await append()).body.error).toBe('index_rebuilding');

  const replayed = await replay(id, 1);
  expect({ status: replayed.status, seqs: seqsOf(replayed), consistency: replayed.body.consistency }).toEqual({
    status: 200,
    seqs: upTo(3),
    consistency: 'stale',
  });
  const tailed = await tail(id);
  expect({ status: tailed.status, seqs: seqsOf(tailed), consistency: tailed.body.consistency }).toEqual({
    status: 200,
    seqs: upTo(3),
    consistency: 'stale',
  });
  expect((await replay(`watermark-${randomUUID()}`, 1)).status).toBe(404);
  expect((await append()).body.error).toBe('index_rebuilding');

  await stack.projector.start();
  await eventually(
    'the rebuilt index to serve strong reads again',
    async () => (await replay(id, 1)).body.consistency === 'strong',
    90_000,
    500,
  );
  expect(seqsOf(await replay(id, 1))).toEqual(upTo(4));
});
