import fc from 'fast-check';
import { runEvents, runFinished, runStarted } from '../../../../test/support/run-records';
import { RunEvent, RunEventBody } from './run-event.schema';
import { advanceRunProgress, planRunRecord, RunProgress } from './run-record-plan';
import { RunRecord } from './run-record.schema';

/** A run as the command writes it: a start, batches continuing one another, maybe an end. */
const runRecords = (runId: string) =>
  fc.tuple(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 6 }), fc.boolean()).map(([sizes, finished]) => {
    const records: RunRecord[] = [runStarted('c', runId)];
    let next = 1;
    for (const size of sizes) {
      const events: RunEventBody[] = Array.from({ length: size }, (_, i) => ({
        kind: 'text-delta',
        delta: `${runId}:${next + i}`,
      }));
      records.push(runEvents('c', runId, next, events));
      next += size;
    }
    if (finished) {
      records.push(runFinished('c', runId, { status: 'committed', lastRunSeq: next - 1 }));
    }
    return records;
  });

/** A run's records with some repeated right after themselves (a producer retry writes a record twice). */
const withDuplicates = (records: RunRecord[]) =>
  fc
    .array(fc.boolean(), { minLength: records.length, maxLength: records.length })
    .map((repeat) => records.flatMap((record, i) => (repeat[i] ? [record, record] : [record])));

/** Any interleaving of two sequences that keeps each one's own order. */
const interleaving = <T>(a: readonly T[], b: readonly T[]) =>
  fc.array(fc.boolean(), { minLength: a.length + b.length, maxLength: a.length + b.length }).map((picks) => {
    const out: T[] = [];
    let i = 0;
    let j = 0;
    for (const pickA of picks) {
      if ((pickA && i < a.length) || j >= b.length) out.push(a[i++]);
      else out.push(b[j++]);
    }
    return out;
  });

/** Applies records in order, as every consumer does: each run's events and final progress. */
function apply(records: readonly RunRecord[]) {
  const progress = new Map<string, RunProgress>();
  const events = new Map<string, RunEvent[]>();
  for (const record of records) {
    const before = progress.get(record.run_id);
    const decision = planRunRecord(before, record);
    const after = advanceRunProgress(before, record, decision);
    if (after) progress.set(record.run_id, after);
    if (decision.kind === 'events') {
      events.set(record.run_id, [...(events.get(record.run_id) ?? []), ...decision.events]);
    }
  }
  return { progress, events };
}

describe('planRunRecord (properties)', () => {
  it('gives each of two interleaved runs, with duplicates, the events it gets alone, in run_seq order', () => {
    const scenario = fc
      .tuple(runRecords('run_a'), runRecords('run_b'))
      .chain(([a, b]) =>
        fc
          .tuple(withDuplicates(a), withDuplicates(b))
          .chain(([da, db]) => interleaving(da, db).map((partition) => ({ a, b, partition }))),
      );
    fc.assert(
      fc.property(scenario, ({ a, b, partition }) => {
        const together = apply(partition);
        for (const [runId, alone] of [
          ['run_a', apply(a)],
          ['run_b', apply(b)],
        ] as const) {
          const events = together.events.get(runId) ?? [];
          expect(events).toEqual(alone.events.get(runId) ?? []);
          expect(events.map((e) => e.run_seq)).toEqual(events.map((_, i) => i + 1));
          expect(together.progress.get(runId)).toEqual(alone.progress.get(runId));
        }
      }),
      { numRuns: 300, seed: 20261130 },
    );
  });
});
