import type { FinalRunStatus, RunEndReason, RunEvent } from '@threadline/contracts';
import type { StreamOutput } from './stream-entry';

/** One event of a run, in the run's order (`seq` is its run_seq). */
export interface RunEventOutput {
  kind: 'run_event';
  runId: string;
  seq: number;
  event: RunEvent;
}

/** How a run ended: sent once every event through `lastRunSeq` was sent. */
export interface RunEnd {
  status: FinalRunStatus;
  reason: RunEndReason | null;
  lastRunSeq: number;
  messageSeqs: number[];
}

export interface RunStatusOutput extends RunEnd {
  kind: 'run_status';
  runId: string;
}

/** What a subscriber gets of the runs of its conversation. */
export type RunOutput = RunEventOutput | RunStatusOutput;

/** What the live consumer of the runs topic hands to a conversation's subscribers. */
export type RunLiveItem =
  { kind: 'events'; runId: string; events: RunEvent[] } | { kind: 'end'; runId: string; end: RunEnd };

/** Run cursors a client resumes from: per run id, the last run_seq it has. */
export type RunCursors = ReadonlyMap<string, number>;

/** Everything a subscriber of a conversation gets, in order: its messages' stream and its runs. */
export type SubscriberOutput = StreamOutput | RunOutput;
