import { RunRecord } from '@threadline/contracts';
import { runFinished, runStarted, textDeltas } from '../../../../test/support/run-records';
import { planRunChunk, RunChunkRecord, runKeyOf, runsOfChunk } from './run-chunk-plan';

const T = { tenantId: 't1', conversationId: 'c1' };
const key = (runId: string) => runKeyOf({ tenantId: 't1', runId });

function chunk(...records: Array<RunRecord | 'poison'>): RunChunkRecord[] {
  return records.map((record, offset) =>
    record === 'poison'
      ? { offset, kind: 'poison', reason: 'value is not JSON', key: null, value: Buffer.from('x') }
      : { offset, kind: 'record', record },
  );
}

describe('planRunChunk', () => {
  it('creates a started run and writes its events and its end', () => {
    const start = runStarted(T, 'run_a', { actor: 'user:ada', parentSeq: 4, metadata: { m: 1 } });
    const end = runFinished(T, 'run_a', { status: 'committed', lastRunSeq: 2, messageSeqs: [5] });
    const plan = planRunChunk(chunk(start, textDeltas(T, 'run_a', 1, 2), end), new Map());

    expect(plan.starts).toEqual([
      {
        tenantId: 't1',
        runId: 'run_a',
        conversationId: 'c1',
        actor: 'user:ada',
        parentSeq: 4,
        metadata: { m: 1 },
        createdAt: start.occurred_at,
      },
    ]);
    expect(plan.events.map((e) => [e.runId, e.event.run_seq])).toEqual([
      ['run_a', 1],
      ['run_a', 2],
    ]);
    expect(plan.changes).toEqual([
      {
        tenantId: 't1',
        runId: 'run_a',
        lastRunSeq: 2,
        end: { status: 'committed', reason: null, errorMessage: null, messageSeqs: [5], finishedAt: end.occurred_at },
      },
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it('continues a run from its stored progress and skips what was applied before', () => {
    const stored = new Map([[key('run_a'), { status: 'streaming' as const, lastRunSeq: 3 }]]);
    const plan = planRunChunk(chunk(textDeltas(T, 'run_a', 2, 3), textDeltas(T, 'run_a', 2, 5)), stored);

    expect(plan.starts).toEqual([]);
    expect(plan.events.map((e) => e.event.run_seq)).toEqual([4, 5]);
    expect(plan.changes).toEqual([{ tenantId: 't1', runId: 'run_a', lastRunSeq: 5, end: null }]);
    expect(plan.skipped).toEqual([{ offset: 0, why: 'duplicate', tenantId: 't1', runId: 'run_a' }]);
  });

  it('carries a run’s progress through the chunk: a repeated batch is a duplicate, a gap is skipped', () => {
    const plan = planRunChunk(
      chunk(
        runStarted(T, 'run_a'),
        textDeltas(T, 'run_a', 1, 2),
        textDeltas(T, 'run_a', 1, 2),
        textDeltas(T, 'run_a', 5, 6),
      ),
      new Map(),
    );

    expect(plan.events.map((e) => e.event.run_seq)).toEqual([1, 2]);
    expect(plan.skipped.map((s) => [s.offset, s.why])).toEqual([
      [2, 'duplicate'],
      [3, 'gap'],
    ]);
  });

  it('writes nothing of a finished run and reports why', () => {
    const stored = new Map([[key('run_a'), { status: 'cancelled' as const, lastRunSeq: 1 }]]);
    const plan = planRunChunk(chunk(textDeltas(T, 'run_a', 2, 2), textDeltas(T, 'run_b', 1, 1)), stored);

    expect(plan.events).toEqual([]);
    expect(plan.changes).toEqual([]);
    expect(plan.skipped.map((s) => [s.runId, s.why])).toEqual([
      ['run_a', 'finished'],
      ['run_b', 'unknown_run'],
    ]);
  });

  it('reports an undecodable record as poison and applies the records around it', () => {
    const plan = planRunChunk(chunk(runStarted(T, 'run_a'), 'poison', textDeltas(T, 'run_a', 1, 1)), new Map());

    expect(plan.poison).toEqual([
      {
        offset: 1,
        reason: 'value is not JSON',
        key: null,
        value: Buffer.from('x'),
        tenantId: null,
        conversationId: null,
        seq: null,
      },
    ]);
    expect(plan.events.map((e) => e.event.run_seq)).toEqual([1]);
  });

  it('tells runs apart by tenant: the same run id in two tenants is two runs', () => {
    const other = { tenantId: 't2', conversationId: 'c1' };
    const records = chunk(runStarted(T, 'run_a'), runStarted(other, 'run_a'), textDeltas(other, 'run_a', 1, 1));

    expect(runsOfChunk(records)).toEqual([
      { tenantId: 't1', runId: 'run_a' },
      { tenantId: 't2', runId: 'run_a' },
    ]);
    const plan = planRunChunk(records, new Map());
    expect(plan.starts.map((s) => s.tenantId)).toEqual(['t1', 't2']);
    expect(plan.events.map((e) => e.tenantId)).toEqual(['t2']);
  });

  it('reports an end whose last_run_seq is not the last event applied, and keeps the applied one', () => {
    const plan = planRunChunk(
      chunk(
        runStarted(T, 'run_a'),
        textDeltas(T, 'run_a', 1, 2),
        textDeltas(T, 'run_a', 4, 4),
        runFinished(T, 'run_a', { status: 'committed', lastRunSeq: 4 }),
      ),
      new Map(),
    );

    expect(plan.unevenEnds).toEqual([{ tenantId: 't1', runId: 'run_a', offset: 3, recorded: 4, applied: 2 }]);
    expect(plan.changes[0].lastRunSeq).toBe(2);
  });
});
