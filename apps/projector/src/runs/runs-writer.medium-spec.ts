import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { RunRecord } from '@threadline/contracts';
import { dataSourceOptions, RunsReader } from '@threadline/persistence';
import { runEvents, runFinished, runStarted, textDeltas } from '../../../../test/support/run-records';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';
import { projectorConfigSchema } from '../config/projector.config';
import { RunChunkRecord } from './run-chunk-plan';
import { MetricsService } from '@threadline/observability';
import { RunEventsRetention } from './run-events-retention';
import { deleteExpiredRunEvents, RUN_EVENTS_RETENTION_BATCH } from './run-events-retention-statements';
import { RunsMetrics } from './runs-metrics';
import { RunsWriter } from './runs-writer';

/** RunsWriter and the retention statement against the local stack's Postgres (threadline_test, migrated). */
const run = randomBytes(4).toString('hex');
const tenantId = `runs-${run}`;
const config = projectorConfigSchema.parse({
  AUTH_MODE: 'none',
  DATABASE_URL: TEST_DATABASE_URL,
  PROJECTOR_GROUP_ID: `runs-medium-${run}`,
  KAFKA_TOPIC: `runs-medium-${run}`,
  KAFKA_RUNS_TOPIC: `runs-medium-runs-${run}`,
});
const dataSource = new DataSource(dataSourceOptions({ url: TEST_DATABASE_URL, poolSize: 2 }));
const reader = new RunsReader(dataSource);
let writer: RunsWriter;
let partition = 0;
let offset = 0;

beforeAll(async () => {
  await dataSource.initialize();
  writer = new RunsWriter(dataSource, config);
});
afterAll(async () => {
  await dataSource.query('DELETE FROM run_events WHERE tenant_id = $1', [tenantId]);
  await dataSource.query('DELETE FROM runs WHERE tenant_id = $1', [tenantId]);
  await dataSource.query('DELETE FROM quarantined_records WHERE consumer = $1', [config.projection.groupId]);
  await dataSource.query('DELETE FROM consumer_offsets WHERE consumer = $1', [config.projection.groupId]);
  await dataSource.destroy();
});
beforeEach(() => {
  partition += 1;
  offset = 0;
});

const conv = { tenantId, conversationId: 'c1' };

/** Writes the records (or undecodable values) as the partition's next records. */
function write(...records: Array<RunRecord | Buffer>) {
  const entries: RunChunkRecord[] = records.map((record) =>
    Buffer.isBuffer(record)
      ? { offset: offset++, kind: 'poison', reason: 'value is not JSON', key: null, value: record }
      : { offset: offset++, kind: 'record', record },
  );
  return writer.write({ partition, records: entries, startOffset: entries[0].offset, endOffset: offset });
}

const deltas = async (runId: string) =>
  (await reader.events(tenantId, runId, 0, 1000)).map((e) => (e.kind === 'text-delta' ? [e.run_seq, e.delta] : e));

it('projects a run: its row, its events exactly, then its end', async () => {
  const start = runStarted(conv, 'run_1', { actor: 'user:ada', parentSeq: 3, metadata: { model: 'm' } });
  await write(start, textDeltas(conv, 'run_1', 1, 2));
  await write(
    runEvents(conv, 'run_1', 3, [{ kind: 'tool-call', tool_call_id: 't', tool_name: 'n', input: { a: [1] } }]),
  );
  expect(await reader.run(tenantId, 'run_1')).toMatchObject({
    conversation_id: 'c1',
    status: 'streaming',
    actor: 'user:ada',
    parent_seq: 3,
    metadata: { model: 'm' },
    last_run_seq: 3,
    created_at: new Date(start.occurred_at).toISOString(),
    finished_at: null,
  });

  const end = runFinished(conv, 'run_1', { status: 'committed', lastRunSeq: 3, messageSeqs: [4] });
  await write(end);
  expect(await reader.run(tenantId, 'run_1')).toMatchObject({
    status: 'committed',
    last_run_seq: 3,
    reason: null,
    error_message: null,
    message_seqs: [4],
    finished_at: new Date(end.occurred_at).toISOString(),
  });
  expect(await deltas('run_1')).toEqual([
    [1, 'd1 '],
    [2, 'd2 '],
    { kind: 'tool-call', tool_call_id: 't', tool_name: 'n', input: { a: [1] }, run_seq: 3 },
  ]);
});

it('keeps a failed run’s reason and message', async () => {
  await write(runStarted(conv, 'run_2'));
  await write(runFinished(conv, 'run_2', { status: 'failed', lastRunSeq: 0, reason: 'abandoned', message: 'idle' }));
  expect(await reader.run(tenantId, 'run_2')).toMatchObject({
    status: 'failed',
    reason: 'abandoned',
    error_message: 'idle',
    message_seqs: [],
  });
});

it('changes nothing for a duplicate batch, a record after the end, or a replayed chunk', async () => {
  await write(runStarted(conv, 'run_3'), textDeltas(conv, 'run_3', 1, 2));
  const outcome = await write(
    textDeltas(conv, 'run_3', 1, 2),
    runFinished(conv, 'run_3', { status: 'cancelled', lastRunSeq: 2, reason: 'requested' }),
    textDeltas(conv, 'run_3', 3, 3),
  );
  expect(outcome.plan?.skipped.map((s) => s.why)).toEqual(['duplicate', 'finished']);
  offset = 0;
  expect(await write(runStarted(conv, 'run_3'), textDeltas(conv, 'run_3', 1, 2))).toEqual({
    nextOffset: 5,
    behind: false,
    plan: null,
  });
  expect(await deltas('run_3')).toEqual([
    [1, 'd1 '],
    [2, 'd2 '],
  ]);
  expect(await reader.run(tenantId, 'run_3')).toMatchObject({ status: 'cancelled', last_run_seq: 2 });
});

it('writes only the records above the stored offset of a chunk that overlaps it', async () => {
  await write(runStarted(conv, 'run_4'), textDeltas(conv, 'run_4', 1, 1));
  offset = 1;
  await write(textDeltas(conv, 'run_4', 1, 1), textDeltas(conv, 'run_4', 2, 2));
  expect(await deltas('run_4')).toEqual([
    [1, 'd1 '],
    [2, 'd2 '],
  ]);
});

it('writes nothing for a chunk above the stored offset (Postgres lost commits): the consumer goes back', async () => {
  await write(runStarted(conv, 'run_5'));
  offset += 10;
  expect(await write(textDeltas(conv, 'run_5', 1, 1))).toEqual({ nextOffset: 1, behind: true, plan: null });
  expect(await deltas('run_5')).toEqual([]);
});

it('quarantines an undecodable record with its bytes and projects the rest', async () => {
  await write(runStarted(conv, 'run_6'), Buffer.from('not json'), textDeltas(conv, 'run_6', 1, 1));
  const rows = await dataSource.query<Array<{ kafka_offset: string; record_value: Buffer }>>(
    'SELECT kafka_offset, record_value FROM quarantined_records WHERE consumer = $1 AND topic = $2 AND partition = $3',
    [config.projection.groupId, config.kafka.runsTopic, partition],
  );
  expect(rows.map((r) => [r.kafka_offset, r.record_value.toString()])).toEqual([['1', 'not json']]);
  expect(await deltas('run_6')).toEqual([[1, 'd1 ']]);
});

it('retention deletes the events of runs finished longer ago than the retention, and keeps the run rows', async () => {
  const old = new Date(Date.now() - 3_600_000).toISOString();
  await write(
    runStarted(conv, 'run_old', { at: old }),
    textDeltas(conv, 'run_old', 1, 2),
    runFinished(conv, 'run_old', { status: 'committed', lastRunSeq: 2, messageSeqs: [9], at: old }),
    runStarted(conv, 'run_recent'),
    textDeltas(conv, 'run_recent', 1, 1),
    runFinished(conv, 'run_recent', { status: 'failed', lastRunSeq: 1 }),
    runStarted(conv, 'run_live', { at: old }),
    textDeltas(conv, 'run_live', 1, 1),
  );
  const statement = deleteExpiredRunEvents(1_800_000);
  while ((await dataSource.query<Array<{ runs: number }>>(statement.sql, statement.params))[0].runs > 0);

  expect(await deltas('run_old')).toEqual([]);
  expect(await deltas('run_recent')).toEqual([[1, 'd1 ']]);
  expect(await deltas('run_live')).toEqual([[1, 'd1 ']]);
  expect(await reader.run(tenantId, 'run_old')).toMatchObject({ status: 'committed', message_seqs: [9] });
  const [marked] = await dataSource.query<Array<{ events_deleted_at: Date | null }>>(
    'SELECT events_deleted_at FROM runs WHERE tenant_id = $1 AND run_id = $2',
    [tenantId, 'run_old'],
  );
  expect(marked.events_deleted_at).not.toBeNull();
});

it('the retention job deletes every due run’s events, more runs than one statement takes', async () => {
  const longAgo = new Date(Date.now() - 8 * 24 * 3_600_000).toISOString();
  const runIds = Array.from({ length: RUN_EVENTS_RETENTION_BATCH + 5 }, (_, i) => `run_due_${i}`);
  await write(
    ...runIds.flatMap((runId) => [
      runStarted(conv, runId, { at: longAgo }),
      textDeltas(conv, runId, 1, 1),
      runFinished(conv, runId, { status: 'committed', lastRunSeq: 1, messageSeqs: [1], at: longAgo }),
    ]),
  );
  const metrics = new RunsMetrics(new MetricsService({ service: 'projector', logLevel: 'silent' }));

  const deleted = await new RunEventsRetention(dataSource, metrics, config).runOnce();

  expect(deleted.runs).toBeGreaterThanOrEqual(runIds.length);
  const [left] = await dataSource.query<Array<{ n: number }>>(
    'SELECT count(*)::int AS n FROM run_events WHERE tenant_id = $1 AND run_id = ANY($2)',
    [tenantId, runIds],
  );
  expect(left.n).toBe(0);
});
