import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually } from '../support/service-process';
import { firstWinsBySeq, readTopic } from '../support/topic-reader';

const ROOT = join(__dirname, '..', '..');
const STACK = join(ROOT, 'scripts', 'stack');
/**
 * A broker of this test's own (second port pair, own data dir), so stopping it
 * disturbs nothing else, whoever started the shared one.
 */
const BROKER = '127.0.0.1:19092';
const brokerEnv = {
  KAFKA_PORT: '19092',
  KAFKA_CONTROLLER_PORT: '19093',
  STACK_DATA_DIR: join(ROOT, '.data', 'outage-stack'),
};
const broker = (command: 'kafka-start' | 'kafka-stop') =>
  execFileSync('bash', [STACK, command], { env: { ...process.env, ...brokerEnv }, stdio: 'ignore' });
const stack = new CommandStack('kafka-outage', 1, { KAFKA_BROKERS: BROKER });

beforeAll(async () => {
  broker('kafka-start');
  await stack.start();
}, 240_000);
afterAll(async () => {
  await stack.stop();
  broker('kafka-stop');
});

it('answers 503 with Retry-After (never hangs) while Kafka is down, and keeps every invariant after it returns', async () => {
  const id = `outage-${randomUUID()}`;
  await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {});
  const acked = new Map<number, string>();
  for (let i = 0; i < 20; i += 1) {
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage(`a${i}`) });
    expect(res.status).toBe(201);
    acked.set(res.body.seq as number, `a${i}`);
  }

  broker('kafka-stop');
  for (let i = 0; i < 5; i += 1) {
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
      message: textMessage(`down${i}`),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(['kafka_unavailable', 'kafka_timeout']).toContain(res.body.error);
  }

  broker('kafka-start');
  await eventually(
    'appends to succeed again',
    async () => {
      const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
        message: textMessage('back'),
      });
      if (res.status === 201) acked.set(res.body.seq as number, 'back');
      return res.status === 201;
    },
    60_000,
    500,
  );

  const record = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}`);
  const head = record.body.version as number;
  const bySeq = await eventually(
    'every reserved seq to be a message or a tombstone',
    async () => {
      const events = firstWinsBySeq(await readTopic(stack.env.KAFKA_TOPIC, BROKER), id);
      return events.size === head ? events : undefined;
    },
    60_000,
    1000,
  );
  expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
  for (const [seq, text] of acked) {
    const event = bySeq.get(seq);
    expect(event?.type === 'message.appended' && event.data.message.parts[0]).toEqual({ type: 'text', text });
  }
  for (const [seq, event] of bySeq) {
    if (!acked.has(seq)) {
      expect(event.type === 'message.tombstoned' || event.type === 'message.appended').toBe(true);
    }
  }
});
