import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { CompressionTypes } from 'kafkajs';
import { Client } from 'pg';
import {
  DEFAULT_TENANT,
  encodeEvent,
  EVENT_SCHEMA_VERSION,
  EventType,
  MessageAppendedEvent,
} from '@threadline/contracts';
import { isolatedEnv } from '../../test/support/test-env';
import { LatencyHistogram, LatencySummary } from '../lib/histogram';
import { BenchSettings, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService, createTopic, deleteTopics, freePort, kafkaClient } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';
import { endOffsetsOf, produceEvents } from '../lib/topic-load';

/** The projector's defaults, stated here so the raw floor matches them. */
const PARTITIONS = 4;
const PARTITIONS_CONCURRENTLY = 4;
const MAX_BATCH = 2000;
const POOL_SIZE = 10;
/** Target: projection at least this fraction of bare inserts. */
const PROJECTION_TARGET = 0.6;

const CONVERSATIONS = 500;
const SEQS_PER_CONVERSATION = 100;
const EVENTS = CONVERSATIONS * SEQS_PER_CONVERSATION;
const POLL_MS = 10;
const CATCH_UP_TIMEOUT_MS = 120_000;
/** Steady load after the catch-up: LAG_BATCH events every LAG_INTERVAL_MS for LAG_DURATION_MS. */
const LAG_BATCH = 100;
const LAG_INTERVAL_MS = 50;
const LAG_DURATION_MS = 5000;

/** ~200 bytes of text, as in the append scenario. */
const TEXT = 'The quick brown fox jumps over the lazy dog while the agent summarises the ticket. '
  .repeat(3)
  .slice(0, 200);

interface Timing {
  /** Seconds from spawning the projector until it reported ready (group joined). */
  startupS: number;
  /** Seconds from ready until every partition's stored offset reached the end offset. */
  catchUpS: number;
  /** Seconds from the first committed chunk until the last. */
  firstToLastS: number;
  eventsPerSec: number;
  projectorCpuS: number | null;
  meanTxMs: number;
  transactions: number;
}

interface RawTiming {
  seconds: number;
  eventsPerSec: number;
  meanTxMs: number;
  transactions: number;
}

/**
 * Catch-up throughput of the projector: EVENTS message.appended events are on an
 * isolated topic before it starts; the clock runs from its readiness until the
 * offsets it stores in Postgres reach the topic's end offsets. The floor: a bare
 * `pg` client writing the same rows into the same messages table (other
 * conversation ids) with the same multi-row unnest INSERT ... ON CONFLICT DO
 * NOTHING, MAX_BATCH rows per transaction, PARTITIONS_CONCURRENTLY connections
 * each taking one partition's share in order.
 */
export const projectionScenario: Scenario = {
  name: 'projection',
  description: `projector catch-up of ${EVENTS} events into Postgres vs bare pg multi-row INSERTs`,
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const env: Record<string, string> = {
      ...isolatedEnv('bench-proj', PARTITIONS),
      KAFKA_BROKERS: settings.kafkaBrokers,
      REDIS_URL: settings.redisUrl,
      DATABASE_URL: settings.databaseUrl,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      PROJECTOR_MAX_BATCH: String(MAX_BATCH),
      PROJECTOR_PARTITIONS_CONCURRENTLY: String(PARTITIONS_CONCURRENTLY),
      LOG_LEVEL: 'warn',
    };
    const topic = env.KAFKA_TOPIC;
    const runId = topic.slice('test.'.length);
    const oursIds = Array.from({ length: CONVERSATIONS }, (_, i) => `${runId}-c${i}`);
    const rawIds = Array.from({ length: CONVERSATIONS }, (_, i) => `${runId}-raw-c${i}`);
    const port = await freePort();
    const projector = new BenchService('projector', 'bench-projector', port, {
      ...env,
      PROJECTOR_PORT: String(port),
    });
    const kafka = kafkaClient(settings.kafkaBrokers, 'threadline-bench-projection');
    const db = new Client({ connectionString: settings.databaseUrl });
    await db.connect();
    try {
      await createTopic(kafka, topic, PARTITIONS);
      const events = buildEvents(oursIds);
      const envelopeBytes = encodeEvent(events[0]).value.length;
      await produceEvents(kafka, topic, events);
      const endOffsets = await endOffsetsOf(kafka, topic);
      const total = [...endOffsets.values()].reduce((a, b) => a + b, 0);
      if (total !== EVENTS) {
        throw new Error(`expected ${EVENTS} records on ${topic}, found ${total}`);
      }

      await checkpoint(db);
      log(`projection: starting the projector on :${port} (${PARTITIONS} partitions, ${total} events waiting)`);
      const ours = await measureOurs(db, projector, env.PROJECTOR_GROUP_ID, topic, total);
      await verifyProjected(db, oursIds);
      log(`projection: steady load of ${(LAG_BATCH * 1000) / LAG_INTERVAL_MS} events/s for ${LAG_DURATION_MS} ms`);
      const lag = await measureLag(kafka, db, env.PROJECTOR_GROUP_ID, topic, oursIds, total);
      await projector.stop();

      await checkpoint(db);
      log(`projection: raw floor, ${PARTITIONS_CONCURRENTLY} pg connections, ${MAX_BATCH} rows per transaction`);
      const raw = await measureRaw(settings.databaseUrl, buildEvents(rawIds));
      return report(ours, raw, lag, endOffsets, envelopeBytes);
    } finally {
      await projector.stop();
      await deleteTopics(kafka, [topic]);
      await cleanUp(db, [...oursIds, ...rawIds], env.PROJECTOR_GROUP_ID);
      await db.end().catch(() => undefined);
    }
  },
};

/** Seqs 1..SEQS_PER_CONVERSATION of every conversation, interleaved as concurrent chats would be. */
function buildEvents(ids: readonly string[], fromSeq = 1, toSeq = SEQS_PER_CONVERSATION): MessageAppendedEvent[] {
  const events: MessageAppendedEvent[] = [];
  const at = new Date().toISOString();
  for (let seq = fromSeq; seq <= toSeq; seq += 1) {
    for (const id of ids) {
      events.push({
        schema_version: EVENT_SCHEMA_VERSION,
        tenant_id: DEFAULT_TENANT,
        event_id: randomUUID(),
        conversation_id: id,
        occurred_at: at,
        type: EventType.MessageAppended,
        seq,
        data: {
          version: seq,
          message: {
            role: seq % 2 === 1 ? 'user' : 'assistant',
            parts: [{ type: 'text', text: TEXT }],
            metadata: {},
            token_count: 50,
          },
          producer_id: null,
          actor: 'service:bench',
          producer_seq: null,
        },
      });
    }
  }
  return events;
}

async function storedTotal(db: Client, group: string, topic: string): Promise<number> {
  const res = await db.query<{ n: string }>(
    'SELECT coalesce(sum(next_offset), 0) AS n FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
    [group, topic],
  );
  return Number(res.rows[0].n);
}

async function measureOurs(
  db: Client,
  projector: BenchService,
  group: string,
  topic: string,
  total: number,
): Promise<Timing> {
  const spawned = performance.now();
  let ready = Number.NaN;
  let first = Number.NaN;
  let done = Number.NaN;
  // Polled from the spawn on, so a catch-up that starts before readiness is seen is timed too.
  const poll = (async () => {
    const deadline = spawned + CATCH_UP_TIMEOUT_MS;
    while (performance.now() < deadline) {
      const stored = await storedTotal(db, group, topic);
      const now = performance.now();
      if (stored > 0 && Number.isNaN(first)) {
        first = now;
      }
      if (stored >= total) {
        done = now;
        return;
      }
      await sleep(POLL_MS);
    }
    throw new Error(`projector did not catch up with ${total} events within ${CATCH_UP_TIMEOUT_MS} ms`);
  })();
  await projector.start();
  ready = performance.now();
  await poll;
  // Readiness is polled every 200 ms: if the projector was done by then, count from the first chunk.
  const from = Math.min(ready, first);
  const [txCount, txSum] = await Promise.all([
    projector.metric('threadline_projector_batch_seconds_count'),
    projector.metric('threadline_projector_batch_seconds_sum'),
  ]);
  const catchUpS = (done - from) / 1000;
  return {
    startupS: (ready - spawned) / 1000,
    catchUpS,
    firstToLastS: (done - first) / 1000,
    eventsPerSec: total / catchUpS,
    projectorCpuS: projector.cpuSeconds(),
    meanTxMs: txCount > 0 ? (txSum / txCount) * 1000 : 0,
    transactions: txCount,
  };
}

/**
 * End-to-end lag under a steady load: for every produced batch, the time from its
 * produce ack (acks=-1) until the projector's stored offsets cover it in Postgres.
 */
async function measureLag(
  kafka: ReturnType<typeof kafkaClient>,
  db: Client,
  group: string,
  topic: string,
  ids: readonly string[],
  alreadyStored: number,
): Promise<LatencySummary> {
  const histogram = new LatencyHistogram();
  const pending: { upTo: number; ackedAt: number }[] = [];
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let produced = alreadyStored;
  let producing = true;
  const poll = (async () => {
    const deadline = performance.now() + LAG_DURATION_MS + CATCH_UP_TIMEOUT_MS;
    while ((producing || pending.length > 0) && performance.now() < deadline) {
      const stored = await storedTotal(db, group, topic);
      const now = performance.now();
      while (pending.length > 0 && pending[0].upTo <= stored) {
        histogram.recordMs(now - (pending.shift()?.ackedAt ?? now));
      }
      await sleep(POLL_MS / 2);
    }
  })();
  try {
    const started = performance.now();
    let seq = SEQS_PER_CONVERSATION;
    for (let tick = 0; performance.now() - started < LAG_DURATION_MS; tick += 1) {
      const batch: MessageAppendedEvent[] = [];
      for (let i = 0; i < LAG_BATCH; i += 1) {
        const index = (tick * LAG_BATCH + i) % ids.length;
        if (index === 0) {
          seq += 1;
        }
        batch.push(...buildEvents([ids[index]], seq, seq));
      }
      await producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: batch.map(encodeEvent) });
      produced += batch.length;
      pending.push({ upTo: produced, ackedAt: performance.now() });
      const wait = started + (tick + 1) * LAG_INTERVAL_MS - performance.now();
      if (wait > 0) {
        await sleep(wait);
      }
    }
  } finally {
    producing = false;
    await poll;
    await producer.disconnect();
  }
  if (pending.length > 0) {
    throw new Error(`${pending.length} steady-load batches not projected in time`);
  }
  return histogram.summary();
}

async function verifyProjected(db: Client, ids: string[]): Promise<void> {
  const res = await db.query<{ n: string }>('SELECT count(*) AS n FROM messages WHERE conversation_id = ANY($1)', [
    ids,
  ]);
  if (Number(res.rows[0].n) !== EVENTS) {
    throw new Error(`expected ${EVENTS} projected messages, found ${res.rows[0].n}`);
  }
}

/** The projector's message INSERT (apps/projector projection-statements) without RETURNING. */
const RAW_INSERT = `INSERT INTO messages (conversation_id, seq, kind, version, role, parts, metadata, token_count,
                            producer_id, producer_seq, tombstone_reason, event_id, inserted_at,
                            kafka_partition, kafka_offset)
      SELECT m.conversation_id, m.seq, 'message', m.version, m.role, m.parts::jsonb, m.metadata::jsonb,
             m.token_count, m.producer_id, m.producer_seq, NULL, m.event_id, m.inserted_at, $12, m.kafka_offset
      FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::integer[],
                  $8::text[], $9::bigint[], $10::uuid[], $11::timestamptz[], $13::bigint[])
        AS m(conversation_id, seq, version, role, parts, metadata, token_count, producer_id, producer_seq,
             event_id, inserted_at, kafka_offset)
      ON CONFLICT (tenant_id, conversation_id, seq) DO NOTHING`;

function rawParams(chunk: readonly MessageAppendedEvent[], lane: number, firstOffset: number): unknown[] {
  return [
    chunk.map((e) => e.conversation_id),
    chunk.map((e) => e.seq),
    chunk.map((e) => e.data.version),
    chunk.map((e) => e.data.message.role),
    chunk.map((e) => JSON.stringify(e.data.message.parts)),
    chunk.map((e) => JSON.stringify(e.data.message.metadata ?? {})),
    chunk.map((e) => e.data.message.token_count ?? null),
    chunk.map((e) => e.data.producer_id),
    chunk.map((e) => e.data.producer_seq),
    chunk.map((e) => e.event_id),
    chunk.map((e) => e.occurred_at),
    lane,
    chunk.map((_, i) => firstOffset + i),
  ];
}

async function measureRaw(url: string, events: MessageAppendedEvent[]): Promise<RawTiming> {
  // A lane per partition-equivalent: conversation index modulo the lane count, in produce order.
  const laneOf = new Map<string, number>();
  const lanes: MessageAppendedEvent[][] = Array.from({ length: PARTITIONS_CONCURRENTLY }, () => []);
  for (const event of events) {
    if (!laneOf.has(event.conversation_id)) {
      laneOf.set(event.conversation_id, laneOf.size % PARTITIONS_CONCURRENTLY);
    }
    lanes[laneOf.get(event.conversation_id) ?? 0].push(event);
  }
  const clients = lanes.map(() => new Client({ connectionString: url }));
  await Promise.all(clients.map((c) => c.connect()));
  let transactions = 0;
  let txMs = 0;
  try {
    const started = performance.now();
    await Promise.all(
      lanes.map(async (rows, lane) => {
        const client = clients[lane];
        for (let i = 0; i < rows.length; i += MAX_BATCH) {
          const txStarted = performance.now();
          await client.query('BEGIN');
          await client.query(RAW_INSERT, rawParams(rows.slice(i, i + MAX_BATCH), lane, i));
          await client.query('COMMIT');
          txMs += performance.now() - txStarted;
          transactions += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { seconds, eventsPerSec: events.length / seconds, meanTxMs: txMs / transactions, transactions };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/** Flushes dirty buffers so neither side pays for the other's checkpoint; best effort (needs the privilege). */
async function checkpoint(db: Client): Promise<void> {
  await db.query('CHECKPOINT').catch(() => undefined);
}

async function cleanUp(db: Client, ids: string[], group: string): Promise<void> {
  try {
    await db.query('DELETE FROM messages WHERE conversation_id = ANY($1)', [ids]);
    await db.query('DELETE FROM conversations WHERE id = ANY($1)', [ids]);
    await db.query('DELETE FROM consumer_offsets WHERE consumer = $1', [group]);
  } catch (error) {
    log(`projection: could not delete the bench rows: ${(error as Error).message}`);
  }
}

function report(
  ours: Timing,
  raw: RawTiming,
  lag: LatencySummary,
  endOffsets: Map<number, number>,
  envelopeBytes: number,
): ScenarioResult {
  const headers = ['side', 'events', 'seconds', 'events/s', 'tx', 'mean tx ms', 'ours/raw'];
  const rows = [
    [
      'ours (projector)',
      EVENTS,
      fmt(ours.catchUpS),
      Math.round(ours.eventsPerSec),
      ours.transactions,
      fmt(ours.meanTxMs),
      ratio(ours.eventsPerSec, raw.eventsPerSec),
    ],
    ['raw (bare pg)', EVENTS, fmt(raw.seconds), Math.round(raw.eventsPerSec), raw.transactions, fmt(raw.meanTxMs), '-'],
  ];
  const perPartition = [...endOffsets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([p, n]) => `p${p}=${n}`)
    .join(' ');
  const notes = [
    `${EVENTS} message.appended events (${CONVERSATIONS} conversations x ${SEQS_PER_CONVERSATION} seqs, interleaved), ` +
      `${envelopeBytes}-byte envelope, ${PARTITIONS} partitions (${perPartition}), all produced before the projector started`,
    `ours: PROJECTOR_MAX_BATCH=${MAX_BATCH}, PROJECTOR_PARTITIONS_CONCURRENTLY=${PARTITIONS_CONCURRENTLY}, ` +
      `DATABASE_POOL_SIZE=${POOL_SIZE}; timed from readiness (group joined; startup took ${fmt(ours.startupS)} s) ` +
      `until consumer_offsets reached the end offsets (first to last chunk ${fmt(ours.firstToLastS)} s)` +
      (ours.projectorCpuS === null ? '' : `; projector CPU ${fmt(ours.projectorCpuS)} s incl. startup`),
    `raw: ${PARTITIONS_CONCURRENTLY} pg connections, each one partition-equivalent (conversation index mod ` +
      `${PARTITIONS_CONCURRENTLY}) in order, the same unnest INSERT ... ON CONFLICT DO NOTHING of ${MAX_BATCH} rows ` +
      'per transaction into the same messages table (other conversation ids), no RETURNING, no conversations/stats/offset rows',
    `end-to-end lag under a steady ${(LAG_BATCH * 1000) / LAG_INTERVAL_MS} events/s (${LAG_BATCH} every ` +
      `${LAG_INTERVAL_MS} ms for ${LAG_DURATION_MS / 1000} s), produce ack -> stored offset in Postgres ` +
      `(polled every ${POLL_MS / 2} ms): p50 ${fmt(lag.p50Ms)} ms, p99 ${fmt(lag.p99Ms)} ms, max ${fmt(lag.maxMs)} ms ` +
      `over ${lag.count} batches`,
  ];
  return {
    table: renderTable(headers, rows),
    notes,
    targets: [
      {
        target: 'projection events/s ours/raw',
        reached: ours.eventsPerSec / raw.eventsPerSec,
        limit: PROJECTION_TARGET,
        atLeast: true,
      },
    ],
    data: {
      events: EVENTS,
      conversations: CONVERSATIONS,
      partitions: PARTITIONS,
      partitionsConcurrently: PARTITIONS_CONCURRENTLY,
      maxBatch: MAX_BATCH,
      poolSize: POOL_SIZE,
      envelopeBytes,
      endOffsets: Object.fromEntries(endOffsets),
      ours,
      raw,
      steadyLag: { eventsPerSec: (LAG_BATCH * 1000) / LAG_INTERVAL_MS, ...lag },
      ratio: ours.eventsPerSec / raw.eventsPerSec,
    },
  };
}
