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

/**
 * docs/consistency.md: while Kafka is down an append is answered 503 "after at most APPEND_ACK_TIMEOUT_MS"
 * (from its reservation); 1.5 s more for the request, the reservation and the answer on a busy machine.
 */
const ACK_TIMEOUT_MS = Number(stack.env.APPEND_ACK_TIMEOUT_MS);
const ANSWER_BOUND_MS = ACK_TIMEOUT_MS + 1500;

/** An append with a client-side timeout, so a hang fails the test instead of stalling it. */
async function timedAppend(id: string, text: string) {
  const startedAt = performance.now();
  const res = await api(
    stack.baseUrl,
    'POST',
    `/v1/conversations/${id}/messages`,
    { message: textMessage(text) },
    undefined,
    { timeoutMs: 2 * ANSWER_BOUND_MS },
  );
  return { res, elapsedMs: performance.now() - startedAt };
}

type Page = { messages: { seq: number; kind: string; parts?: unknown[] }[] };

it('answers every append within the ack timeout plus 1.5 s (503, Retry-After) while Kafka is down; afterwards each acknowledged append is in the log once at its seq and every other seq settled once', async () => {
  const id = `outage-${randomUUID()}`;
  await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, {});
  /** seq -> text of every append the service acknowledged. */
  const acked = new Map<number, string>();
  /** Texts whose outcome the client never learned (503, or no answer in time): each may settle one seq. */
  const unknown = new Set<string>();
  for (let i = 0; i < 20; i += 1) {
    const { res } = await timedAppend(id, `a${i}`);
    expect(res.status).toBe(201);
    acked.set(res.body.seq as number, `a${i}`);
  }

  broker('kafka-stop');
  try {
    for (let i = 0; i < 5; i += 1) {
      unknown.add(`down${i}`);
      const { res, elapsedMs } = await timedAppend(id, `down${i}`);
      expect({ status: res.status, withinBound: elapsedMs <= ANSWER_BOUND_MS }).toEqual({
        status: 503,
        withinBound: true,
      });
      expect(res.headers.get('retry-after')).toBe('1');
      expect(['kafka_unavailable', 'kafka_timeout']).toContain(res.body.error);
    }
  } finally {
    broker('kafka-start');
  }

  let attempt = 0;
  await eventually(
    'appends to succeed again',
    async () => {
      const text = `back${(attempt += 1)}`;
      unknown.add(text);
      const { res } = await timedAppend(id, text);
      if (res.status !== 201) return false;
      unknown.delete(text);
      acked.set(res.body.seq as number, text);
      return true;
    },
    60_000,
    500,
  );

  const record = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}`);
  const head = record.body.version as number;
  const seqs = Array.from({ length: head }, (_, i) => i + 1);
  const bySeq = await eventually(
    'every reserved seq to be a message or a tombstone in the log',
    async () => {
      const events = firstWinsBySeq(await readTopic(stack.env.KAFKA_TOPIC, BROKER), id);
      return events.size === head ? events : undefined;
    },
    60_000,
    1000,
  );
  expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(seqs);
  const settled = seqs.map((seq) => {
    const event = bySeq.get(seq);
    return { seq, text: event?.type === 'message.appended' ? String(event.data.message.parts[0].text) : null };
  });

  // Each acknowledged append is in the log once, at the seq its answer named.
  for (const [seq, text] of acked) {
    expect(settled.filter((s) => s.text === text)).toEqual([{ seq, text }]);
  }
  // Each seq no answer named settled once: as a tombstone, or as one of the appends whose outcome was unknown.
  const unacked = settled.filter((s) => !acked.has(s.seq));
  for (const { text } of unacked) {
    expect(text === null || unknown.has(text)).toBe(true);
  }
  const landed = unacked.map((s) => s.text).filter((text) => text !== null);
  expect(new Set(landed).size).toBe(landed.length);

  // Readers see the same settlement: every seq exactly once, each as the log has it.
  const page = await eventually(
    'the projection to hold every seq',
    async () => {
      const res = await api<Page>(stack.baseUrl, 'GET', `/v1/conversations/${id}/messages?from=1&limit=1000`);
      return res.body.messages.length === head ? res.body : undefined;
    },
    60_000,
    500,
  );
  expect(page.messages.map((m) => m.seq)).toEqual(seqs);
  expect(
    page.messages.map((m) => ({
      seq: m.seq,
      text: m.kind === 'message' ? ((m.parts as { text: string }[])[0]?.text ?? null) : null,
    })),
  ).toEqual(settled);
});
