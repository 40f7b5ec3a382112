import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { encodeRunRecord, RunRecord } from '@threadline/contracts';
import { eventually, ServiceProcess } from '../support/service-process';
import { runEvents, runFinished, runStarted, textDeltas } from '../support/run-records';
import { allocatePort, isolatedEnv, TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../support/test-env';

/**
 * The real projector (dist/) consuming hand-built records of its own runs topic
 * into runs and run_events: exact rows, the consumer rule (duplicates and records
 * after the end change nothing), a SIGKILL mid-stream, poison records and the
 * retention of finished runs' events. One projector for the file.
 */
const env = isolatedEnv('runs-proj', 2);
const kafka = new Kafka({
  clientId: 'runs-projection-e2e',
  brokers: TEST_KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const db = new Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
const tenant = `runs-e2e-${randomUUID()}`;
const port = allocatePort();
// Small chunks, so a SIGKILL lands inside a batch; retention looks often.
const projector = new ServiceProcess('projector', `runs-projection-${env.KAFKA_TOPIC}`, port, {
  ...env,
  PROJECTOR_PORT: String(port),
  PROJECTOR_MAX_BATCH: '7',
  RUN_EVENTS_RETENTION_INTERVAL_MS: '200',
});
let producer: Producer;

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
  await projector.start();
}, 120_000);
afterAll(async () => {
  await projector.stop();
  await producer.disconnect();
  await db.query('DELETE FROM run_events WHERE tenant_id = $1', [tenant]);
  await db.query('DELETE FROM runs WHERE tenant_id = $1', [tenant]);
  await db.end();
});

const conversation = () => ({ tenantId: tenant, conversationId: `c-${randomUUID()}` });

async function produce(records: RunRecord[]): Promise<void> {
  await producer.send({ topic: env.KAFKA_RUNS_TOPIC, messages: records.map(encodeRunRecord) });
}

interface RunRow {
  run_id: string;
  conversation_id: string;
  status: string;
  actor: string;
  parent_seq: string | null;
  metadata: Record<string, unknown>;
  last_run_seq: string;
  reason: string | null;
  error_message: string | null;
  message_seqs: string[];
  created_at: Date;
  finished_at: Date | null;
  events_deleted_at: Date | null;
}

async function runRow(runId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>('SELECT * FROM runs WHERE tenant_id = $1 AND run_id = $2', [tenant, runId]);
  return rows[0];
}

async function eventRows(runId: string) {
  const { rows } = await db.query<{ run_seq: string; kind: string; body: Record<string, unknown>; created_at: Date }>(
    'SELECT run_seq, kind, body, created_at FROM run_events WHERE tenant_id = $1 AND run_id = $2 ORDER BY run_seq',
    [tenant, runId],
  );
  return rows.map((r) => ({ ...r, run_seq: Number(r.run_seq) }));
}

const finished = (runId: string) => eventually(`${runId} to finish`, async () => (await runRow(runId))?.finished_at);

async function metric(pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${projector.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => pattern.test(l));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('runs projection', () => {
  it('writes a run row and its events exactly as the records give them', async () => {
    const conv = conversation();
    const start = runStarted(conv, 'run_exact', { actor: 'user:ada', parentSeq: 2, metadata: { model: 'm1' } });
    const batch1 = runEvents(conv, 'run_exact', 1, [
      { kind: 'reasoning-delta', delta: 'hmm' },
      { kind: 'text-delta', delta: 'Hi' },
    ]);
    const batch2 = runEvents(conv, 'run_exact', 3, [
      { kind: 'tool-result', tool_call_id: 'c1', output: { ok: true }, is_error: false },
    ]);
    const end = runFinished(conv, 'run_exact', { status: 'committed', lastRunSeq: 3, messageSeqs: [3] });
    await produce([start, batch1, batch2, end]);
    await finished('run_exact');

    expect(await runRow('run_exact')).toEqual({
      tenant_id: tenant,
      run_id: 'run_exact',
      conversation_id: conv.conversationId,
      status: 'committed',
      actor: 'user:ada',
      parent_seq: '2',
      metadata: { model: 'm1' },
      last_run_seq: '3',
      reason: null,
      error_message: null,
      message_seqs: ['3'],
      created_at: new Date(start.occurred_at),
      finished_at: new Date(end.occurred_at),
      events_deleted_at: null,
    });
    expect(await eventRows('run_exact')).toEqual([
      {
        run_seq: 1,
        kind: 'reasoning-delta',
        body: { kind: 'reasoning-delta', delta: 'hmm' },
        created_at: new Date(batch1.occurred_at),
      },
      {
        run_seq: 2,
        kind: 'text-delta',
        body: { kind: 'text-delta', delta: 'Hi' },
        created_at: new Date(batch1.occurred_at),
      },
      {
        run_seq: 3,
        kind: 'tool-result',
        body: { kind: 'tool-result', tool_call_id: 'c1', output: { ok: true }, is_error: false },
        created_at: new Date(batch2.occurred_at),
      },
    ]);
  });

  it('changes nothing for a duplicate batch or a record after the run finished', async () => {
    const conv = conversation();
    const duplicatesBefore = await metric(/^threadline_projector_run_records_skipped_total\{[^}]*why="duplicate"/);
    const batch = textDeltas(conv, 'run_dup', 1, 3);
    // Each step in its own send, once the one before is projected: the projector decides it from Postgres.
    await produce([runStarted(conv, 'run_dup'), batch]);
    await eventually('the batch', async () => (await runRow('run_dup'))?.last_run_seq === '3');
    await produce([batch]);
    await produce([runFinished(conv, 'run_dup', { status: 'cancelled', lastRunSeq: 3, reason: 'requested' })]);
    await finished('run_dup');
    await produce([
      textDeltas(conv, 'run_dup', 4, 5),
      runFinished(conv, 'run_dup', { status: 'committed', lastRunSeq: 5, messageSeqs: [1] }),
      runStarted(conv, 'run_dup_marker'),
    ]);
    await eventually('the marker run after them', () => runRow('run_dup_marker'));

    expect(await runRow('run_dup')).toMatchObject({
      status: 'cancelled',
      reason: 'requested',
      last_run_seq: '3',
      message_seqs: [],
    });
    expect((await eventRows('run_dup')).map((e) => [e.run_seq, e.body.delta])).toEqual([
      [1, 'd1 '],
      [2, 'd2 '],
      [3, 'd3 '],
    ]);
    expect(await metric(/^threadline_projector_run_records_skipped_total\{[^}]*why="duplicate"/)).toBe(
      duplicatesBefore + 2,
    );
    expect(await metric(/^threadline_projector_run_records_skipped_total\{[^}]*why="finished"/)).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('quarantines a record that does not decode or that Postgres refuses, and projects the records after them', async () => {
    const conv = conversation();
    const start = encodeRunRecord(runStarted(conv, 'run_poison'));
    const refused = encodeRunRecord(runStarted(conv, 'run_refused', { at: '0000-01-01T00:00:00Z' }));
    await producer.send({
      topic: env.KAFKA_RUNS_TOPIC,
      messages: [
        start,
        { key: start.key, value: '{"not json' },
        refused,
        encodeRunRecord(textDeltas(conv, 'run_poison', 1, 2)),
        encodeRunRecord(runFinished(conv, 'run_poison', { status: 'failed', lastRunSeq: 2, message: 'boom' })),
      ],
    });
    await finished('run_poison');

    expect(await runRow('run_poison')).toMatchObject({ status: 'failed', error_message: 'boom', last_run_seq: '2' });
    expect((await eventRows('run_poison')).map((e) => e.run_seq)).toEqual([1, 2]);
    expect(await runRow('run_refused')).toBeUndefined();
    const { rows } = await db.query<{ record_value: Buffer; reason: string }>(
      'SELECT record_value, reason FROM quarantined_records WHERE consumer = $1 AND topic = $2 ORDER BY kafka_offset',
      [env.PROJECTOR_GROUP_ID, env.KAFKA_RUNS_TOPIC],
    );
    expect(rows.map((r) => r.record_value.toString())).toEqual(['{"not json', refused.value.toString()]);
    expect(rows[1].reason).toContain('postgres refused');
  });

  it('deletes the events of a run finished longer ago than the retention, and keeps its row and newer runs’ events', async () => {
    const conv = conversation();
    const longAgo = new Date(Date.now() - 8 * 24 * 3_600_000).toISOString();
    await produce([
      runStarted(conv, 'run_old', { at: longAgo }),
      runEvents(conv, 'run_old', 1, [{ kind: 'text-delta', delta: 'old' }], longAgo),
      runFinished(conv, 'run_old', { status: 'committed', lastRunSeq: 1, messageSeqs: [1], at: longAgo }),
      runStarted(conv, 'run_new'),
      textDeltas(conv, 'run_new', 1, 1),
      runFinished(conv, 'run_new', { status: 'committed', lastRunSeq: 1, messageSeqs: [2] }),
    ]);
    await finished('run_new');
    await eventually('the old run’s events to be deleted', async () => (await runRow('run_old'))?.events_deleted_at);

    expect(await eventRows('run_old')).toEqual([]);
    expect(await runRow('run_old')).toMatchObject({ status: 'committed', last_run_seq: '1', message_seqs: ['1'] });
    expect((await eventRows('run_new')).map((e) => e.run_seq)).toEqual([1]);
    expect((await runRow('run_new'))?.events_deleted_at).toBeNull();
  });

  it('SIGKILL mid-stream then restart: every event of every run exactly once', async () => {
    const runs = Array.from({ length: 20 }, (_, i) => ({ conv: conversation(), runId: `run_kill_${i}` }));
    const records: RunRecord[] = runs.map(({ conv, runId }) => runStarted(conv, runId));
    for (let batch = 0; batch < 40; batch++) {
      for (const { conv, runId } of runs) {
        records.push(textDeltas(conv, runId, batch * 5 + 1, batch * 5 + 5));
        if (batch % 10 === 9) {
          records.push(textDeltas(conv, runId, batch * 5 + 1, batch * 5 + 5));
        }
      }
    }
    records.push(...runs.map(({ conv, runId }) => runFinished(conv, runId, { status: 'committed', lastRunSeq: 200 })));
    const stored = async () => {
      const { rows } = await db.query<{ total: string }>(
        'SELECT coalesce(sum(next_offset), 0) AS total FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
        [env.PROJECTOR_GROUP_ID, env.KAFKA_RUNS_TOPIC],
      );
      return Number(rows[0].total);
    };
    const before = await stored();
    await produce(records);
    await eventually('a part of the runs projected', async () => (await stored()) >= before + 100, 60_000, 10);
    await projector.kill();
    expect(await stored()).toBeLessThan(before + records.length);

    await projector.start();
    await eventually('every record projected', async () => (await stored()) === before + records.length, 90_000);
    const { rows } = await db.query<{ run_id: string; n: string; first: string; last: string; deltas: string }>(
      `SELECT run_id, count(*) AS n, min(run_seq) AS first, max(run_seq) AS last, string_agg(body->>'delta', '' ORDER BY run_seq) AS deltas
       FROM run_events WHERE tenant_id = $1 AND run_id LIKE 'run_kill_%' GROUP BY run_id ORDER BY run_id`,
      [tenant],
    );
    const all = Array.from({ length: 200 }, (_, i) => `d${i + 1} `).join('');
    expect(rows).toHaveLength(runs.length);
    for (const row of rows) {
      expect([row.n, row.first, row.last, row.deltas]).toEqual(['200', '1', '200', all]);
      expect(await runRow(row.run_id)).toMatchObject({ status: 'committed', last_run_seq: '200' });
    }
  }, 150_000);
});
