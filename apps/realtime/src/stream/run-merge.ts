import type { RunEvent } from '@threadline/contracts';
import { OrderedStream } from './ordered-stream';
import { RunCursors, RunEnd, RunEventOutput, RunOutput } from './run-output';

/** What `before` is while a run catches up: everything Postgres has after `after`. */
export const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** The run_seqs a run still needs from Postgres: `after < run_seq < before` (UNBOUNDED: all it has). */
export interface MissingRunEvents {
  runId: string;
  after: number;
  before: number;
}

interface RunTrack {
  ordered: OrderedStream<RunEventOutput>;
  /** The run's end once known; its status is released after every event through its lastRunSeq. */
  end: RunEnd | null;
  /** The status was released: nothing more of the run. */
  ended: boolean;
  /** Events a committed message waits for: every run_seq through this one. */
  requiredThrough: number;
  /** Joined while it streamed: everything Postgres has of it is read before live alone carries it. */
  catchingUp: boolean;
}

/**
 * The runs of one subscriber's conversation: each run's events released in
 * run_seq order from 1 (or after the client's cursor), each exactly once,
 * whether they come live or from Postgres, then its status.
 *
 * Live and read events follow one rule: the first offer of a run_seq wins,
 * anything at or below what was released is dropped, anything ahead waits until
 * what is missing is read (`missing` says what to read). A run's end waits for
 * its last events the same way, so its status is always its last output.
 *
 * Pure: no timers, no I/O.
 */
export class RunMerge {
  private readonly runs = new Map<string, RunTrack>();

  constructor(
    private readonly cursors: RunCursors,
    private readonly maxBuffered: number,
  ) {}

  /** Whether the run is followed and has not ended. */
  follows(runId: string): boolean {
    const track = this.runs.get(runId);
    return track !== undefined && !track.ended;
  }

  /** The last run_seq released of each run that has not ended. */
  get positions(): Map<string, number> {
    const positions = new Map<string, number>();
    for (const [runId, track] of this.runs) {
      if (!track.ended) {
        positions.set(runId, track.ordered.nextSeq - 1);
      }
    }
    return positions;
  }

  /** Starts following a run after the client's cursor for it (0 without one); a followed run is left as it is. */
  follow(runId: string): void {
    this.track(runId);
  }

  /** Follows a run that was streaming when the subscriber joined: `missing` asks for all Postgres has of it. */
  catchUp(runId: string): void {
    const track = this.track(runId);
    track.catchingUp = !track.ended;
  }

  /** Postgres had nothing more of the run: from here live events carry it (a hole is read when one shows). */
  caughtUp(runId: string): void {
    const track = this.runs.get(runId);
    if (track) {
      track.catchingUp = false;
    }
  }

  /** Events of a run, live or read (each with its run_seq): what can be released now, in order. */
  offer(runId: string, events: RunEvent[]): RunOutput[] {
    const track = this.track(runId);
    if (track.ended) {
      return [];
    }
    const released: RunOutput[] = [];
    for (const event of events) {
      released.push(...track.ordered.offer({ kind: 'run_event', runId, seq: event.run_seq, event }, 0));
    }
    return [...released, ...this.releaseEnd(runId, track)];
  }

  /**
   * The run's end: its status once every event through `end.lastRunSeq` was
   * released. The first end counts. A run not followed (it ended before the
   * subscriber saw any of it) gets its status alone.
   */
  end(runId: string, end: RunEnd): RunOutput[] {
    if (!this.runs.has(runId)) {
      this.track(runId).ended = true;
      return [{ kind: 'run_status', runId, ...end }];
    }
    const track = this.track(runId);
    if (track.ended || track.end !== null) {
      return [];
    }
    track.end = end;
    return this.releaseEnd(runId, track);
  }

  /**
   * The run's events through `lastRunSeq` exist (a committed message names them, or they went out live before
   * the subscriber joined): `missing` asks for them until they are released; `released` says when they are.
   */
  require(runId: string, lastRunSeq: number): void {
    const track = this.track(runId);
    track.requiredThrough = Math.max(track.requiredThrough, lastRunSeq);
  }

  /** Whether every event of the run through `lastRunSeq` was released (or the run ended). */
  released(runId: string, lastRunSeq: number): boolean {
    const track = this.runs.get(runId);
    return track === undefined || track.ended || track.ordered.nextSeq > lastRunSeq;
  }

  /** The first run with events to read from Postgres, or null when nothing waits on a missing run_seq. */
  missing(): MissingRunEvents | null {
    for (const [runId, track] of this.runs) {
      if (track.ended) {
        continue;
      }
      const after = track.ordered.nextSeq - 1;
      const wanted = Math.max(track.requiredThrough, track.end?.lastRunSeq ?? 0);
      const bound = track.catchingUp ? UNBOUNDED : wanted > after ? wanted + 1 : undefined;
      const before = track.ordered.lowestBuffered ?? bound;
      if (before !== undefined) {
        return { runId, after, before };
      }
    }
    return null;
  }

  private track(runId: string): RunTrack {
    let track = this.runs.get(runId);
    if (!track) {
      const cursor = this.cursors.get(runId) ?? 0;
      track = {
        ordered: new OrderedStream({ nextSeq: cursor + 1, maxBuffered: this.maxBuffered }),
        end: null,
        ended: false,
        requiredThrough: 0,
        catchingUp: false,
      };
      this.runs.set(runId, track);
    }
    return track;
  }

  private releaseEnd(runId: string, track: RunTrack): RunOutput[] {
    const end = track.end;
    if (end === null || track.ended || track.ordered.nextSeq <= end.lastRunSeq) {
      return [];
    }
    track.ended = true;
    return [{ kind: 'run_status', runId, ...end }];
  }
}
