import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { ConversationEvent } from '@threadline/contracts';
import { appendedEvent, createdEvent, deletedEvent, kafkaMessage, tombstonedEvent } from '../support/event-builder';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort, isolatedEnv, TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../support/test-env';

/**
 * The real projector (dist/) against real Kafka and Postgres. Events are produced
 * straight to the topic, so every case the command service never produces (duplicate
 * seqs, seq events without a created event, garbage records) can be written on purpose.
 */

const kafka = new Kafka({
  clientId: 'projector-e2e',
  brokers: TEST_KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const db = new Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
let producer: Producer;
let admin: Admin;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  producer = kafka.producer({ allowAutoTopicCreation: false });
  admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await Promise.all([producer.disconnect(), admin.disconnect(), db.end()]);
});

function projectorProcess(name: string, env: Record<string, string>, extra: Record<string, string> = {}) {
  const port = allocatePort();
  const service = new ServiceProcess('projector', `${name}-${env.KAFKA_TOPIC}`, port, {
    ...env,
    PROJECTOR_PORT: String(port),
    ...extra,
  });
  started.push(service);
  return service;
}

// --- events -----------------------------------------------------------------

let clock = Date.parse('2026-11-23T12:00:00.000Z');
const tick = () => new Date((clock += 1000)).toISOString();

const created = (id: string, metadata: Record<string, unknown>): ConversationEvent =>
  createdEvent(id, metadata, tick());
const appended = (id: string, seq: number, text: string): ConversationEvent =>
  appendedEvent(id, seq, text, null, null, tick());
const tombstoned = (id: string, seq: number): ConversationEvent => tombstonedEvent(id, seq, null, tick());
const deleted = (id: string, lastSeq: number): ConversationEvent => deletedEvent(id, lastSeq, null, tick());

type Produced = ConversationEvent | { key: string; garbage: string };

async function produce(topic: string, records: Produced[]): Promise<void> {
  await producer.send({
    topic,
    messages: records.map((r) => ('garbage' in r ? { key: r.key, value: r.garbage } : kafkaMessage(r))),
  });
}

/**
 * Produces in sends of `perSend`, pausing between them, so a projector is still mid-way for a while. The pause
 * shapes the load under test (work keeps arriving while the projector is killed); nothing waits on it.
 */
async function producePaced(topic: string, records: Produced[], perSend: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < records.length; i += perSend) {
    await produce(topic, records.slice(i, i + perSend));
    await sleep(pauseMs);
  }
}

/** conversations x seqs message events, plus a created event each and a losing duplicate every 40 seqs. */
function load(label: string, conversations = 50, seqs = 400) {
  const ids = Array.from({ length: conversations }, (_, i) => `${label}-${randomUUID()}-${i}`);
  const records: Produced[] = ids.map((id) => created(id, { n: id }));
  for (let seq = 1; seq <= seqs; seq += 1) {
    for (const id of ids) {
      records.push(appended(id, seq, `${id}:${seq}`));
      if (seq % 40 === 0) {
        records.push(appended(id, seq - 1, 'a later duplicate that must lose'));
      }
    }
  }
  return { ids, seqs, records };
}

// --- reading back -------------------------------------------------------------

/** Records projected so far: the sum of the stored next offsets (the topic is new, so offsets start at 0). */
async function projected(env: Record<string, string>): Promise<number> {
  const { rows } = await db.query<{ total: string }>(
    'SELECT coalesce(sum(next_offset), 0) AS total FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
    [env.PROJECTOR_GROUP_ID, env.KAFKA_TOPIC],
  );
  return Number(rows[0].total);
}

async function storedOffsets(env: Record<string, string>): Promise<Map<number, number>> {
  const { rows } = await db.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
    [env.PROJECTOR_GROUP_ID, env.KAFKA_TOPIC],
  );
  return new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
}

/** The offsets the group committed to Kafka (partitions without a commit left out). */
async function kafkaGroupOffsets(env: Record<string, string>): Promise<Map<number, number>> {
  const [topic] = await admin.fetchOffsets({ groupId: env.PROJECTOR_GROUP_ID, topics: [env.KAFKA_TOPIC] });
  return new Map(topic.partitions.filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, Number(p.offset)]));
}

function untilProjected(env: Record<string, string>, total: number, timeoutMs = 90_000) {
  return eventually(`${total} records projected`, async () => (await projected(env)) === total, timeoutMs, 100);
}

async function metric(projector: ServiceProcess, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${projector.baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function readiness(projector: ServiceProcess) {
  const res = await fetch(`${projector.baseUrl}/health/ready`);
  return (await res.json()) as { checks: { kafka: { detail: { assigned: number[]; lag: Record<string, number> } } } };
}

/** Exactly once in effect: every seq 1..N once, the first event for it, and counters that match. */
async function expectExactlyOnce(ids: string[], seqs: number): Promise<void> {
  const { rows: messages } = await db.query<{
    id: string;
    n: string;
    distinct_seqs: string;
    min: string;
    max: string;
    firsts: string;
  }>(
    `SELECT conversation_id AS id, count(*) AS n, count(DISTINCT seq) AS distinct_seqs, min(seq) AS min, max(seq) AS max,
            count(*) FILTER (WHERE parts->0->>'text' = conversation_id || ':' || seq) AS firsts
     FROM messages WHERE conversation_id = ANY($1) GROUP BY conversation_id`,
    [ids],
  );
  expect(messages.length).toBe(ids.length);
  const total = messages.reduce((sum, r) => sum + Number(r.n), 0);
  expect(total).toBe(ids.length * seqs);
  for (const r of messages) {
    expect({ id: r.id, n: r.n, distinct: r.distinct_seqs, min: r.min, max: r.max, firsts: r.firsts }).toEqual({
      id: r.id,
      n: String(seqs),
      distinct: String(seqs),
      min: '1',
      max: String(seqs),
      firsts: String(seqs),
    });
  }
  const { rows: conversations } = await db.query<Record<string, string>>(
    `SELECT id, last_seq, version, message_count, tombstone_count, metadata->>'n' AS created_by
     FROM conversations WHERE id = ANY($1)`,
    [ids],
  );
  expect(conversations.length).toBe(ids.length);
  for (const c of conversations) {
    expect(c).toEqual({
      id: c.id,
      last_seq: String(seqs),
      version: String(seqs),
      message_count: String(seqs),
      tombstone_count: '0',
      created_by: c.id,
    });
  }
}

async function expectExactlyOnceFor(id: string, seqs: number): Promise<void> {
  const { rows } = await db.query<{ seqs: number[]; message_count: string; last_seq: string }>(
    `SELECT array_agg(m.seq::int ORDER BY m.seq) AS seqs, c.message_count, c.last_seq
     FROM conversations c JOIN messages m ON m.tenant_id = c.tenant_id AND m.conversation_id = c.id
     WHERE c.tenant_id = 'default' AND c.id = $1 GROUP BY c.tenant_id, c.id`,
    [id],
  );
  expect(rows[0]).toEqual({
    seqs: Array.from({ length: seqs }, (_, i) => i + 1),
    message_count: String(seqs),
    last_seq: String(seqs),
  });
}

interface MessageRow {
  conversation_id: string;
  seq: number;
  kind: 'message' | 'tombstone';
  parts: { text: string }[] | null;
  tombstone_reason: string | null;
}

// --- tests --------------------------------------------------------------------

describe('projector', () => {
  it('materializes messages, tombstones and deletes, first event per seq wins', async () => {
    const env = isolatedEnv('proj');
    // Chunks of 3 put duplicates both inside one transaction and across transactions.
    const projector = projectorProcess('proj-materialize', env, { PROJECTOR_MAX_BATCH: '3' });
    await projector.start();
    const [a, b, c] = ['a', 'b', 'c'].map((n) => `${n}-${randomUUID()}`);
    const firstCreate = created(a, { channel: 'web' });
    const records: Produced[] = [
      firstCreate,
      appended(a, 1, 'a1'),
      appended(a, 2, 'a2'),
      appended(a, 2, 'same seq, other content'),
      { key: a, garbage: '{"not":"an event"}' },
      tombstoned(a, 3),
      appended(a, 3, 'after its tombstone'),
      appended(a, 5, 'a5'),
      appended(a, 4, 'a4'),
      created(a, { channel: 'a second create' }),
      appended(b, 1, 'b1'),
      deleted(b, 1),
      deleted(b, 1),
      deleted(c, 0),
    ];
    await produce(env.KAFKA_TOPIC, records);
    await untilProjected(env, records.length);

    const { rows: messages } = await db.query<MessageRow>(
      `SELECT conversation_id, seq::int, kind, version::int, role, parts, metadata, token_count, tombstone_reason, event_id,
              inserted_at, kafka_offset::int
       FROM messages WHERE conversation_id = ANY($1) ORDER BY conversation_id, seq`,
      [[a, b, c]],
    );
    const byConversation = (id: string) =>
      messages
        .filter((m) => m.conversation_id === id)
        .map((m) => [m.seq, m.kind, m.kind === 'message' ? m.parts?.[0].text : m.tombstone_reason]);
    expect(byConversation(a)).toEqual([
      [1, 'message', 'a1'],
      [2, 'message', 'a2'],
      [3, 'tombstone', 'abandoned'],
      [4, 'message', 'a4'],
      [5, 'message', 'a5'],
    ]);
    expect(byConversation(b)).toEqual([[1, 'message', 'b1']]);
    const a1 = records[1] as Extract<ConversationEvent, { type: 'message.appended' }>;
    expect(messages[0]).toMatchObject({
      version: 1,
      role: 'user',
      metadata: {},
      token_count: 1,
      event_id: a1.event_id,
      inserted_at: new Date(a1.occurred_at),
      kafka_offset: 1,
    });

    const { rows: conversations } = await db.query<{ id: string }>(
      `SELECT id, metadata, tombstoned, last_seq::int, version::int, message_count::int, tombstone_count::int,
              last_message_at, created_at
       FROM conversations WHERE id = ANY($1)`,
      [[a, b, c]],
    );
    const row = (id: string) => conversations.find((r) => r.id === id);
    const a4 = records[8] as ConversationEvent;
    expect(row(a)).toEqual({
      id: a,
      metadata: { channel: 'web' },
      tombstoned: false,
      last_seq: 5,
      version: 5,
      message_count: 4,
      tombstone_count: 1,
      last_message_at: new Date(a4.occurred_at),
      created_at: new Date(firstCreate.occurred_at),
    });
    expect(row(b)).toMatchObject({ metadata: {}, tombstoned: true, last_seq: 1, message_count: 1 });
    expect(row(c)).toMatchObject({ metadata: {}, tombstoned: true, last_seq: 0, message_count: 0 });

    expect(await metric(projector, 'threadline_projector_poison_records_total')).toBe(1);
    const lag = await eventually(
      'the lag of every partition to be reported as 0',
      async () => {
        const reported = (await readiness(projector)).checks.kafka.detail.lag;
        return Object.keys(reported).length === 4 && Object.values(reported).every((l) => l === 0) && reported;
      },
      15_000,
      250,
    );
    expect(lag).toEqual({ 0: 0, 1: 0, 2: 0, 3: 0 });
    expect(await metric(projector, 'threadline_projector_lag_events')).toBe(0);
  }, 60_000);

  it('resumes from the offsets stored in Postgres when the Kafka group offsets are gone: nothing is projected twice', async () => {
    const env = isolatedEnv('proj');
    const first = projectorProcess('proj-resume-1', env);
    await first.start();
    const id = `resume-${randomUUID()}`;
    const before = [created(id, {}), ...Array.from({ length: 30 }, (_, i) => appended(id, i + 1, `m${i + 1}`))];
    await produce(env.KAFKA_TOPIC, before);
    await untilProjected(env, before.length);
    await first.stop();
    await admin.deleteGroups([env.PROJECTOR_GROUP_ID]);

    const second = projectorProcess('proj-resume-2', env);
    await second.start();
    const after = [appended(id, 31, 'm31')];
    await produce(env.KAFKA_TOPIC, after);
    await untilProjected(env, before.length + after.length);

    expect(await metric(second, 'threadline_projector_events_total')).toBe(1);
    expect(await metric(second, 'threadline_projector_replayed_events_total')).toBe(0);
    await expectExactlyOnceFor(id, 31);
  }, 60_000);

  it('goes back to the stored offset when Postgres lost transactions it had committed, and projects them again', async () => {
    const env = isolatedEnv('proj');
    const projector = projectorProcess('proj-lost-commits', env);
    await projector.start();
    const id = `lost-${randomUUID()}`;
    const first = [created(id, {}), ...Array.from({ length: 40 }, (_, i) => appended(id, i + 1, `${id}:${i + 1}`))];
    await produce(env.KAFKA_TOPIC, first);
    await untilProjected(env, first.length);

    // What a crash with synchronous_commit=off or a failover to a lagging replica leaves: the last
    // transactions (seqs 21..40 and their offsets) are gone, while the projector still runs past them.
    const { rows } = await db.query<{ kafka_partition: number; kafka_offset: string }>(
      'SELECT kafka_partition, kafka_offset FROM messages WHERE conversation_id = $1 AND seq = 21',
      [id],
    );
    const [{ kafka_partition: partition, kafka_offset: offsetOf21 }] = rows;
    await db.query('DELETE FROM messages WHERE conversation_id = $1 AND seq > 20', [id]);
    await db.query('UPDATE conversations SET last_seq = 20, version = 20, message_count = 20 WHERE id = $1', [id]);
    await db.query(
      'UPDATE consumer_offsets SET next_offset = $4 WHERE consumer = $1 AND topic = $2 AND partition = $3',
      [env.PROJECTOR_GROUP_ID, env.KAFKA_TOPIC, partition, offsetOf21],
    );

    const more = Array.from({ length: 5 }, (_, i) => appended(id, 41 + i, `${id}:${41 + i}`));
    await produce(env.KAFKA_TOPIC, more);
    await untilProjected(env, first.length + more.length);
    await expectExactlyOnceFor(id, 45);
  }, 90_000);

  it('SIGKILL mid-run then restart: every event exactly once', async () => {
    const env = isolatedEnv('proj');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: env.KAFKA_TOPIC, numPartitions: Number(env.KAFKA_TOPIC_PARTITIONS), replicationFactor: 1 }],
    });
    const { ids, seqs, records } = load('kill');
    await producePaced(env.KAFKA_TOPIC, records, 2000, 0);
    // Small chunks: a fetched batch takes many transactions, so the kill lands inside one.
    const projector = projectorProcess('proj-kill', env, { PROJECTOR_MAX_BATCH: '25' });
    await projector.start();
    const atKill = await eventually(
      '2,000 records projected',
      async () => {
        const n = await projected(env);
        return n >= 2000 && n;
      },
      60_000,
      10,
    );
    await projector.kill();
    expect(atKill).toBeLessThan(records.length);

    // The crash window was hit: Postgres is ahead of the Kafka group offsets, and never behind them.
    const [stored, mirrored] = await Promise.all([storedOffsets(env), kafkaGroupOffsets(env)]);
    const behind = [...stored].filter(([partition, next]) => (mirrored.get(partition) ?? 0) < next);
    expect(behind.length).toBeGreaterThan(0);
    for (const [partition, next] of mirrored) {
      expect(next).toBeLessThanOrEqual(stored.get(partition) ?? 0);
    }

    await projector.start();
    await untilProjected(env, records.length);
    await expectExactlyOnce(ids, seqs);
  }, 120_000);

  it('two instances share partitions; one stopped mid-run, the other takes over', async () => {
    const env = isolatedEnv('proj');
    const [first, second] = [1, 2].map((n) => projectorProcess(`proj-pair-${n}`, env, { PROJECTOR_MAX_BATCH: '100' }));
    await Promise.all([first.start(), second.start()]);
    await eventually(
      'the partitions to be split between both instances',
      async () => {
        const [a, b] = await Promise.all([readiness(first), readiness(second)]);
        const assigned = [a, b].map((r) => r.checks.kafka.detail.assigned);
        return assigned.every((p) => p.length > 0) && assigned.flat().length === 4;
      },
      30_000,
      200,
    );

    const { ids, seqs, records } = load('pair');
    const producing = producePaced(env.KAFKA_TOPIC, records, 1000, 300);
    await eventually('4,000 records projected', async () => (await projected(env)) >= 4000, 60_000, 20);
    const firstProjected = await metric(first, 'threadline_projector_events_total');
    await first.stop();
    expect(await projected(env)).toBeLessThan(records.length);
    expect(firstProjected).toBeGreaterThan(0);

    await producing;
    await untilProjected(env, records.length);
    expect((await readiness(second)).checks.kafka.detail.assigned).toEqual([0, 1, 2, 3]);
    expect(await metric(second, 'threadline_projector_events_total')).toBeGreaterThan(0);
    await expectExactlyOnce(ids, seqs);
  }, 120_000);
});
