import { RunRecord } from '@threadline/contracts';
import { RunProgressBook } from './run-progress-book';

const envelope = {
  schema_version: 1 as const,
  event_id: '00000000-0000-4000-8000-000000000000',
  tenant_id: 't1',
  conversation_id: 'c1',
  run_id: 'run_a',
  occurred_at: '2026-11-30T00:00:00.000Z',
};
const started: RunRecord = {
  ...envelope,
  type: 'run.started',
  data: { actor: 'agent:a', parent_seq: null, metadata: {} },
};
const batch = (from: number, count: number): RunRecord => ({
  ...envelope,
  type: 'run.events',
  data: { from_run_seq: from, events: Array.from({ length: count }, () => ({ kind: 'step-started' as const })) },
});
const finished: RunRecord = {
  ...envelope,
  type: 'run.finished',
  data: { status: 'cancelled', reason: 'requested', message: null, last_run_seq: 6, message_seqs: [] },
};
const runSeqs = (outcome: Awaited<ReturnType<RunProgressBook['apply']>>) =>
  outcome.kind === 'item' && outcome.item.kind === 'events' ? outcome.item.events.map((e) => e.run_seq) : outcome;

describe('RunProgressBook', () => {
  it('hands on each run_seq once and the end once', async () => {
    const book = new RunProgressBook(async () => undefined, 10);
    expect(await book.apply(started)).toEqual({ kind: 'started' });
    expect(runSeqs(await book.apply(batch(1, 3)))).toEqual([1, 2, 3]);
    expect(runSeqs(await book.apply(batch(2, 3)))).toEqual([4]);
    expect(await book.apply(finished)).toMatchObject({ kind: 'item', item: { kind: 'end', end: { lastRunSeq: 6 } } });
    expect(await book.apply(finished)).toEqual({ kind: 'skip', why: 'duplicate' });
  });

  it('seeds a run first seen after its start from Postgres, as streaming at its last_run_seq', async () => {
    const seed = jest.fn(async () => ({ status: 'streaming' as const, lastRunSeq: 4 }));
    const book = new RunProgressBook(seed, 10);
    expect(runSeqs(await book.apply(batch(3, 4)))).toEqual([5, 6]);
    expect(await book.apply(finished)).toMatchObject({ kind: 'item', item: { kind: 'end' } });
    expect(seed).toHaveBeenCalledTimes(1);
  });

  it('skips the records of a run Postgres does not know', async () => {
    const book = new RunProgressBook(async () => undefined, 10);
    expect(await book.apply(batch(1, 2))).toEqual({ kind: 'skip', why: 'unknown_run' });
  });

  it('forgets the oldest runs beyond its bound', async () => {
    const book = new RunProgressBook(async () => undefined, 1);
    await book.apply(started);
    await book.apply({ ...started, run_id: 'run_b' });
    expect(book.size).toBe(1);
  });
});
