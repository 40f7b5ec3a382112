import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { conversationKey, ConversationRef } from '@threadline/contracts';
import { api } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { appendedEvent } from '../support/event-builder';
import { indexEpoch } from '../support/hand-built-events';
import { createApiKey } from '../support/identity-provider';
import { entryPoint, eventually, ServiceProcess } from '../support/service-process';
import { allocatePort, isolatedEnv, TEST_KAFKA_BROKERS } from '../support/test-env';

/**
 * The poison rule against the real projector: records a buggy producer writes
 * straight to the topic (not JSON, NUL or lone surrogates inside, a date Postgres
 * refuses) are quarantined with their raw bytes, their seqs are settled by a
 * `quarantined` tombstone, and the partition keeps projecting what follows.
 * One partition, so every record shares it with the good ones.
 */
const stack = new CommandStack('poison', 1, { KAFKA_TOPIC_PARTITIONS: '1' });
const kafka = new Kafka({ clientId: 'poison-e2e', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
let producer: Producer;
/** The epoch the command trusts: hand-built records carry it, as the command's own would (docs/events.md rule 6). */
let epoch: number;
const db = new Pool({ connectionString: stack.env.DATABASE_URL, max: 2 });

beforeAll(async () => {
  await stack.start();
  producer = kafka.producer();
  await producer.connect();
  epoch = await eventually('the command to trust its index', () => indexEpoch(stack.env.REDIS_KEY_PREFIX));
}, 120_000);
afterAll(async () => {
  await producer.disconnect();
  await stack.stop();
  await db.end();
});

const runCli = promisify(execFile);
function quarantineCli(...args: string[]) {
  return quarantineCliWith({}, ...args);
}

/** The quarantine CLI with more environment (THREADLINE_ADMIN_KEY). */
function quarantineCliWith(env: Record<string, string>, ...args: string[]) {
  return runCli(process.execPath, [entryPoint('projector'), 'quarantine', ...args], {
    env: { ...process.env, ...stack.env, ...env },
  });
}

/** The JSON text of a message event, for records a test then corrupts or sends as raw bytes. */
function appendedJson(conversation: string | ConversationRef, seq: number, text: string, occurredAt?: string): string {
  return JSON.stringify(appendedEvent(conversation, seq, text, epoch, null, occurredAt));
}

interface QuarantineEntry {
  id: string;
  conversation_id: string | null;
  offset: number;
}

async function readPage(id: string) {
  const res = await api(stack.baseUrl, 'GET', `/v1/conversations/${id}/messages?from=1&consistency=eventual`);
  return res.body.messages as { seq: number; kind: string; reason?: string; parts?: { text: string }[] }[];
}

async function readiness() {
  const res = await fetch(`${stack.projector.baseUrl}/health/ready`);
  return (await res.json()) as { checks: { poison: { detail: { quarantined: number } } } };
}

describe('poison records', () => {
  it('quarantines records no store can keep, settles their seqs with a tombstone, and keeps the partition moving', async () => {
    const id = `poison-${randomUUID()}`;
    const values = [
      appendedJson(id, 1, 'first'),
      appendedJson(id, 2, 'holds a NUL \u0000'),
      appendedJson(id, 3, 'x').replace('"x"', '"\\ud800"'),
      '{"not json',
      appendedJson(id, 4, 'a date Postgres refuses', '0000-01-01T00:00:00Z'),
      appendedJson(id, 5, 'after the poison'),
    ];
    await producer.send({ topic: stack.env.KAFKA_TOPIC, messages: values.map((value) => ({ key: id, value })) });

    const page = await eventually('every seq to be settled', async () => {
      const messages = await readPage(id);
      return messages.length === 5 && messages;
    });
    expect(page.map((m) => [m.seq, m.kind, m.kind === 'message' ? m.parts?.[0].text : m.reason])).toEqual([
      [1, 'message', 'first'],
      [2, 'tombstone', 'quarantined'],
      [3, 'tombstone', 'quarantined'],
      [4, 'tombstone', 'quarantined'],
      [5, 'message', 'after the poison'],
    ]);

    const { rows } = await db.query<{ kafka_offset: string; seq: string | null; reason: string; record_value: Buffer }>(
      `SELECT kafka_offset, seq, reason, record_value FROM quarantined_records WHERE topic = $1 ORDER BY kafka_offset`,
      [stack.env.KAFKA_TOPIC],
    );
    expect(rows.map((r) => [r.seq === null ? null : Number(r.seq), r.record_value.toString('utf8')])).toEqual([
      [2, values[1]],
      [3, values[2]],
      [null, values[3]],
      [4, values[4]],
    ]);
    expect(rows[0].reason).toContain('NUL');
    expect(rows[1].reason).toContain('unpaired surrogate');
    expect(rows[3].reason).toContain('postgres refused');
    expect((await readiness()).checks.poison.detail.quarantined).toBe(4);
    const metrics = await (await fetch(`${stack.projector.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^threadline_projector_poison_records_total\{[^}]*\} 4$/m);
  });

  it('lists quarantined records and re-applies one after a fix: its content appended at a new seq, once however often it runs', async () => {
    const id = `reapply-${randomUUID()}`;
    const value = appendedJson(id, 1, 'recover me', '0000-01-01T00:00:00Z');
    await producer.send({ topic: stack.env.KAFKA_TOPIC, messages: [{ key: id, value }] });
    await eventually('the record to be quarantined', async () => (await readPage(id)).length === 1);

    const listed = (await quarantineCli('list')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as QuarantineEntry);
    const entry = listed.find((q) => q.conversation_id === id) as QuarantineEntry;
    expect(entry).toMatchObject({ seq: 1, reapplied_at: null });
    const shown = JSON.parse((await quarantineCli('show', entry.id)).stdout);
    expect(shown.value).toBe(value);

    const first = JSON.parse((await quarantineCli('reapply', entry.id, '--command-url', stack.baseUrl)).stdout);
    const again = JSON.parse((await quarantineCli('reapply', entry.id, '--command-url', stack.baseUrl)).stdout);
    expect(first.answer).toMatchObject({ seq: 2, deduped: false });
    expect(again.answer).toMatchObject({ seq: 2, deduped: true });
    const page = await eventually('the recovered message to be projected', async () => {
      const messages = await readPage(id);
      return messages.length === 2 && messages;
    });
    expect(page[0]).toMatchObject({ seq: 1, kind: 'tombstone', reason: 'quarantined' });
    expect(page[1]).toMatchObject({ seq: 2, kind: 'message', parts: [{ type: 'text', text: 'recover me' }] });
    expect(page[1]).toMatchObject({ metadata: { threadline_recovered: { seq: 1, offset: entry.offset } } });
    const after = (await quarantineCli('list')).stdout;
    expect(after).not.toContain(id);
  });

  it("re-applies another tenant's record with THREADLINE_ADMIN_KEY through a key of that tenant minted for it and revoked after", async () => {
    const port = allocatePort();
    const command = new ServiceProcess('command', 'poison-command-auth', port, {
      ...stack.env,
      AUTH_MODE: 'on',
      COMMAND_PORT: String(port),
    });
    await command.start();
    try {
      const admin = createApiKey(stack.env, 'platform', 'service:ops', ['admin']);
      // A tenant of this run alone: the keys listed at the end are the ones this test made.
      const tenantId = `reapply-${randomUUID().slice(0, 8)}`;
      const reader = createApiKey(stack.env, tenantId, 'service:reader', ['conversations:read']);
      const ref = { tenantId, conversationId: `reapply-${randomUUID()}` };
      const value = appendedJson(ref, 1, 'recover me too', '0000-01-01T00:00:00Z');
      await producer.send({ topic: stack.env.KAFKA_TOPIC, messages: [{ key: conversationKey(ref), value }] });
      const readAcme = async () => {
        const path = `/v1/conversations/${ref.conversationId}/messages?from=1&consistency=eventual`;
        const res = await api(command.baseUrl, 'GET', path, undefined, undefined, {
          headers: { authorization: `Bearer ${reader.key}` },
        });
        return (res.body.messages ?? []) as Array<{ seq: number; kind: string; actor?: string }>;
      };
      await eventually('the record to be quarantined', async () => (await readAcme()).length === 1);
      const { rows } = await db.query<{ id: string }>(
        'SELECT id FROM quarantined_records WHERE tenant_id = $1 AND conversation_id = $2',
        [ref.tenantId, ref.conversationId],
      );

      const refused = await quarantineCli('reapply', rows[0].id, '--command-url', command.baseUrl).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('set THREADLINE_ADMIN_KEY') });
      const reapplied = await quarantineCliWith(
        { THREADLINE_ADMIN_KEY: admin.key },
        'reapply',
        rows[0].id,
        '--command-url',
        command.baseUrl,
      );
      expect(JSON.parse(reapplied.stdout).answer).toMatchObject({ seq: 2, deduped: false });
      const page = await eventually('the recovered message', async () => {
        const messages = await readAcme();
        return messages.length === 2 && messages;
      });
      expect(page[1]).toMatchObject({ seq: 2, kind: 'message', actor: 'service:quarantine-reapply' });
      const keys = await api(command.baseUrl, 'GET', `/v1/admin/api-keys?tenant_id=${tenantId}`, undefined, undefined, {
        headers: { authorization: `Bearer ${admin.key}` },
      });
      const minted = (keys.body.api_keys as Array<{ subject: string; revoked_at: string | null }>).filter(
        (key) => key.subject === 'service:quarantine-reapply',
      );
      expect(minted).toHaveLength(1);
      expect(minted.every((key) => key.revoked_at !== null)).toBe(true);
    } finally {
      await command.stop();
    }
  });

  it('reports a partition that has lag and makes no progress as stalled: the projector turns unready until it moves again', async () => {
    const env: Record<string, string> = { ...isolatedEnv('stall', 1), PROJECTOR_STALL_AFTER_MS: '1000' };
    const port = allocatePort();
    const projector = new ServiceProcess('projector', `stall-${env.KAFKA_TOPIC}`, port, {
      ...env,
      PROJECTOR_PORT: String(port),
    });
    await projector.start();
    const id = `stall-${randomUUID()}`;
    try {
      await producer.send({ topic: env.KAFKA_TOPIC, messages: [{ key: id, value: appendedJson(id, 1, 'one') }] });
      const offsetRow = `SELECT next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2 FOR UPDATE`;
      await eventually('the first event to be projected', async () => {
        const { rows } = await db.query(offsetRow.replace(' FOR UPDATE', ''), [
          env.PROJECTOR_GROUP_ID,
          env.KAFKA_TOPIC,
        ]);
        return rows.length === 1 && Number(rows[0].next_offset) === 1;
      });
      const blocker = await db.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query(offsetRow, [env.PROJECTOR_GROUP_ID, env.KAFKA_TOPIC]);
        await producer.send({ topic: env.KAFKA_TOPIC, messages: [{ key: id, value: appendedJson(id, 2, 'two') }] });
        const stalled = await eventually('readiness to name the stalled partition', async () => {
          const res = await fetch(`${projector.baseUrl}/health/ready`);
          const body = (await res.json()) as { checks: { kafka: { detail: { stalled: Record<string, number> } } } };
          return res.status === 503 && body.checks.kafka.detail.stalled;
        });
        expect(Object.keys(stalled)).toEqual(['0']);
      } finally {
        await blocker.query('ROLLBACK');
        blocker.release();
      }
      await projector.waitReady(30_000);
      expect((await readPage(id)).map((m) => m.seq)).toEqual([1, 2]);
    } finally {
      await projector.stop();
    }
  });
});
