import { RunCursors, SubscriberOutput } from '../../stream/run-output';
import { sseEventId } from '../run-cursors';

/**
 * What an SSE client has received, as the `id:` of each event (sseEventId): the
 * last message seq and, per run in flight, the last run_seq. A reconnecting
 * EventSource sends the last one back as Last-Event-ID and resumes both. A gap and
 * the conversation's end carry no id (the client's last id stays below a gap).
 */
export class SseResumePosition {
  private seq: number | null;
  private readonly runs: Map<string, number>;

  /** `startCursor` gives the seq a live-only stream started after, once known. */
  constructor(
    cursor: number | null,
    runCursors: RunCursors,
    private readonly startCursor: () => number | null,
  ) {
    this.seq = cursor;
    this.runs = new Map(runCursors);
  }

  /** The id of the event that delivers `output`, or null for none. */
  idAfter(output: SubscriberOutput): string | null {
    switch (output.kind) {
      case 'message':
      case 'tombstone':
        this.seq = output.seq;
        break;
      case 'run_event':
        this.runs.set(output.runId, output.seq);
        break;
      case 'run_status':
        this.runs.delete(output.runId);
        break;
      case 'gap':
      case 'deleted':
        return null;
    }
    return sseEventId(this.seq ?? this.startCursor(), this.runs);
  }
}
