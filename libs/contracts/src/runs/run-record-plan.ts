import { RunEvent, RunStatus } from './run-event.schema';
import { RunRecord, RunRecordType } from './run-record.schema';

/** What a consumer knows of a run so far: its status and the last run_seq it applied. */
export interface RunProgress {
  status: RunStatus;
  lastRunSeq: number;
}

export type RunRecordDecision =
  | { kind: 'start' }
  /** Only the events not applied before, each with its run_seq, in order. */
  | { kind: 'events'; events: RunEvent[] }
  | { kind: 'finish' }
  | { kind: 'skip'; why: RunRecordSkip };

/**
 * `duplicate`: the record was applied before (a producer retry wrote it twice).
 * `unknown_run`: events or an end for a run whose start this consumer never saw.
 * `finished`: the run had ended (nothing of a run counts after its end).
 * `gap`: a batch that does not continue the run; the command never writes one
 * (one batch in flight per run, a failed batch re-produced as it was), so a
 * consumer counts it as a violation.
 */
export type RunRecordSkip = 'duplicate' | 'unknown_run' | 'finished' | 'gap';

/**
 * The one rule every consumer of the runs topic applies to a run's records, in
 * topic order (docs/events.md, "The runs topic"): a run starts once; a batch
 * counts from the first run_seq after the last applied one; its end is final.
 * Applied in the same order, it gives every consumer the same run.
 */
export function planRunRecord(progress: RunProgress | undefined, record: RunRecord): RunRecordDecision {
  if (record.type === RunRecordType.Started) {
    return progress ? { kind: 'skip', why: 'duplicate' } : { kind: 'start' };
  }
  if (!progress) {
    return { kind: 'skip', why: 'unknown_run' };
  }
  if (progress.status !== 'streaming') {
    return { kind: 'skip', why: record.type === RunRecordType.Finished ? 'duplicate' : 'finished' };
  }
  if (record.type === RunRecordType.Finished) {
    return { kind: 'finish' };
  }
  const { from_run_seq: from, events } = record.data;
  if (from > progress.lastRunSeq + 1) {
    return { kind: 'skip', why: 'gap' };
  }
  const fresh = events.slice(progress.lastRunSeq + 1 - from);
  if (fresh.length === 0) {
    return { kind: 'skip', why: 'duplicate' };
  }
  return {
    kind: 'events',
    events: fresh.map((event, i) => ({ ...event, run_seq: progress.lastRunSeq + 1 + i })),
  };
}

/** The progress after a decision was applied. */
export function advanceRunProgress(
  progress: RunProgress | undefined,
  record: RunRecord,
  decision: RunRecordDecision,
): RunProgress | undefined {
  switch (decision.kind) {
    case 'start':
      return { status: 'streaming', lastRunSeq: 0 };
    case 'events':
      return { status: 'streaming', lastRunSeq: decision.events[decision.events.length - 1].run_seq };
    case 'finish':
      return record.type === RunRecordType.Finished
        ? { status: record.data.status, lastRunSeq: progress?.lastRunSeq ?? 0 }
        : progress;
    case 'skip':
      return progress;
  }
}
