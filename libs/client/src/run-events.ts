import { RunEnd } from './run';
import { RunEvent, RunFrame } from './types';

/** What following a run reads from: its live frames, and the REST replay of its events. */
export interface RunFollowDeps {
  /** The run's next live frame, or `'quiet'` when none came for a while (or there is no live stream). */
  next(): Promise<RunFrame | 'quiet'>;
  /** `GET /v1/runs/{id}/events?after=`: events after `after`, `next_after` null once finished and read to its end. */
  events(after: number): Promise<{ events: RunEvent[]; next_after: number | null }>;
  /** The run's end, read over REST (when the replay found it finished before any run_status frame came). */
  end(): Promise<RunEnd>;
  /** Waits before reading again while the projection has not written the events yet (`idle` from 1). */
  wait(idle: number): Promise<void>;
}

/**
 * A run's events after `fromSeq`, each once, in run_seq order, then its end (the generator's return value).
 * Live frames come first; a frame ahead of the next run_seq, a run_status whose last_run_seq was not reached,
 * and a quiet stream are repaired from the REST replay, which also ends a run the stream said nothing about.
 */
export async function* followRun(fromSeq: number, deps: RunFollowDeps): AsyncGenerator<RunEvent, RunEnd> {
  let after = fromSeq;

  /** Reads the replay until `to` (or, with null, once); true when the run is finished and read to its end. */
  async function* readUpTo(to: number | null): AsyncGenerator<RunEvent, boolean> {
    for (let idle = 0; to === null || after < to;) {
      const page = await deps.events(after);
      const before = after;
      for (const event of page.events) {
        if (event.run_seq === after + 1 && (to === null || event.run_seq <= to)) {
          after = event.run_seq;
          yield event;
        }
      }
      if (page.next_after === null && (to === null || after >= to || page.events.length === 0)) {
        return true;
      }
      if (to === null || after >= to) {
        return false;
      }
      idle = after === before ? idle + 1 : 0;
      if (idle > 0) {
        await deps.wait(idle);
      }
    }
    return false;
  }

  for (;;) {
    const frame = await deps.next();
    if (frame === 'quiet') {
      if (yield* readUpTo(null)) {
        return await deps.end();
      }
      continue;
    }
    if (frame.type === 'run_status') {
      yield* readUpTo(frame.last_run_seq);
      return {
        run_id: frame.run_id,
        status: frame.status,
        reason: frame.reason,
        last_run_seq: frame.last_run_seq,
        messages: frame.message_seqs.map((seq) => ({ seq })),
      };
    }
    if (frame.run_seq <= after) {
      continue;
    }
    if (frame.run_seq > after + 1) {
      yield* readUpTo(frame.run_seq - 1);
    }
    if (frame.run_seq === after + 1) {
      after = frame.run_seq;
      yield eventOf(frame);
    }
  }
}

function eventOf(frame: Extract<RunFrame, { type: 'run_event' }>): RunEvent {
  const event: Record<string, unknown> = { ...frame };
  delete event.type;
  delete event.run_id;
  return event as unknown as RunEvent;
}
