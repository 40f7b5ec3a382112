import { runEvents, runFinished, runStarted, textDeltas } from '../../../../test/support/run-records';
import { advanceRunProgress, planRunRecord, RunProgress } from './run-record-plan';
import { RunRecord } from './run-record.schema';

const RUN = 'run_a';
const streaming = (lastRunSeq: number): RunProgress => ({ status: 'streaming', lastRunSeq });

describe('planRunRecord', () => {
  it('starts a run it has not seen', () => {
    expect(planRunRecord(undefined, runStarted('c', RUN))).toEqual({ kind: 'start' });
  });

  it('skips a second start as a duplicate', () => {
    expect(planRunRecord(streaming(3), runStarted('c', RUN))).toEqual({ kind: 'skip', why: 'duplicate' });
  });

  it('skips events and an end of a run whose start it never saw', () => {
    expect(planRunRecord(undefined, textDeltas('c', RUN, 1, 2))).toEqual({ kind: 'skip', why: 'unknown_run' });
    expect(planRunRecord(undefined, runFinished('c', RUN, { status: 'failed', lastRunSeq: 0 }))).toEqual({
      kind: 'skip',
      why: 'unknown_run',
    });
  });

  it('applies a batch that continues the run, numbering its events from from_run_seq', () => {
    expect(planRunRecord(streaming(2), runEvents('c', RUN, 3, [{ kind: 'text-delta', delta: 'x' }]))).toEqual({
      kind: 'events',
      events: [{ kind: 'text-delta', delta: 'x', run_seq: 3 }],
    });
  });

  it('applies only the events after the last applied one of a batch that overlaps it', () => {
    const decision = planRunRecord(streaming(3), textDeltas('c', RUN, 2, 5));
    expect(decision).toEqual({
      kind: 'events',
      events: [
        { kind: 'text-delta', delta: 'd4 ', run_seq: 4 },
        { kind: 'text-delta', delta: 'd5 ', run_seq: 5 },
      ],
    });
  });

  it('skips a batch applied before as a duplicate', () => {
    expect(planRunRecord(streaming(5), textDeltas('c', RUN, 4, 5))).toEqual({ kind: 'skip', why: 'duplicate' });
  });

  it('skips a batch that leaves a gap after the last applied event', () => {
    expect(planRunRecord(streaming(2), textDeltas('c', RUN, 4, 5))).toEqual({ kind: 'skip', why: 'gap' });
  });

  it('finishes a streaming run, and skips everything of it afterwards', () => {
    const end = runFinished('c', RUN, { status: 'committed', lastRunSeq: 2, messageSeqs: [7] });
    expect(planRunRecord(streaming(2), end)).toEqual({ kind: 'finish' });
    const ended = advanceRunProgress(streaming(2), end, { kind: 'finish' });
    expect(ended).toEqual({ status: 'committed', lastRunSeq: 2 });
    expect(planRunRecord(ended, textDeltas('c', RUN, 3, 3))).toEqual({ kind: 'skip', why: 'finished' });
    expect(planRunRecord(ended, end)).toEqual({ kind: 'skip', why: 'duplicate' });
    expect(planRunRecord(ended, runStarted('c', RUN))).toEqual({ kind: 'skip', why: 'duplicate' });
  });

  it('advances the progress to the last event a batch applied, and not on a skip', () => {
    const batch: RunRecord = textDeltas('c', RUN, 1, 4);
    const decision = planRunRecord(streaming(1), batch);
    expect(advanceRunProgress(streaming(1), batch, decision)).toEqual(streaming(4));
    expect(advanceRunProgress(streaming(9), batch, { kind: 'skip', why: 'duplicate' })).toEqual(streaming(9));
  });
});
