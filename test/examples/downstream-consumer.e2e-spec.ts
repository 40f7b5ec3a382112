import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { encodeEvent } from '@threadline/contracts';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually } from '../support/service-process';
import { allocatePort, TEST_KAFKA_BROKERS } from '../support/test-env';

const ROOT = join(__dirname, '..', '..');
const stack = new CommandStack('downstream', 1);
const port = allocatePort();
let example: ChildProcess | null = null;

beforeAll(async () => {
  await stack.start();
  mkdirSync(join(ROOT, '.data', 'test-logs'), { recursive: true });
  const log = createWriteStream(join(ROOT, '.data', 'test-logs', 'downstream-example.log'), { flags: 'a' });
  example = spawn(process.execPath, [join(ROOT, 'dist', 'examples', 'downstream-consumer', 'src', 'main.js')], {
    env: {
      ...process.env,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      KAFKA_TOPIC: stack.env.KAFKA_TOPIC,
      DOWNSTREAM_GROUP_ID: `downstream-${stack.env.PROJECTOR_GROUP_ID}`,
      DOWNSTREAM_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  example.stdout?.pipe(log);
  example.stderr?.pipe(log);
}, 120_000);

afterAll(async () => {
  if (example && example.exitCode === null) {
    const exited = once(example, 'exit');
    example.kill('SIGTERM');
    await exited;
  }
  await stack.stop();
});

it('follows the topic through @nestjs/microservices and derives what every Threadline consumer derives', async () => {
  const id = `downstream-${Date.now()}`;
  expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  for (const [i, text] of ['one', 'two', 'three'].entries()) {
    const res = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
      message: textMessage(text),
      producer_id: 'w',
      producer_seq: i + 1,
    });
    expect(res.status).toBe(201);
  }
  const retried = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
    message: textMessage('one'),
    producer_id: 'w',
    producer_seq: 3,
  });
  expect(retried.status).toBe(409);

  const kafka = new Kafka({ clientId: 'downstream-test', brokers: [TEST_KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const lateAttempt = encodeEvent({
    schema_version: 2,
    tenant_id: 'default',
    event_id: '00000000-0000-4000-8000-000000000004',
    conversation_id: id,
    occurred_at: new Date().toISOString(),
    type: 'message.appended',
    seq: 4,
    data: {
      version: 4,
      message: { role: 'user', parts: [{ type: 'text', text: 'from a lost index' }], metadata: {}, token_count: 1 },
      producer_id: null,
      producer_seq: null,
      actor: null,
    },
  });
  await producer.send({
    topic: stack.env.KAFKA_TOPIC,
    messages: [lateAttempt, { key: id, value: JSON.stringify({ conversation_id: id, seq: 5, index_epoch: 1 }) }],
  });
  await producer.disconnect();

  const counted = await eventually(
    'the example to count the conversation',
    async () => {
      const res = await api(`http://127.0.0.1:${port}`, 'GET', `/counts/${id}`);
      return res.status === 200 && res.body.tombstones === 1 ? res.body : null;
    },
    60_000,
  );
  expect(counted).toEqual({ messages: 3, tombstones: 1, deleted: false });
}, 120_000);
