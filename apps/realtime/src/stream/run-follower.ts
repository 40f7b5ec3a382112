import type { ConversationRef, RunEvent } from '@threadline/contracts';
import type { LiveRun } from '../runs/runs-hub';
import { RunMerge, UNBOUNDED } from './run-merge';
import { RunCursors, RunEnd, RunLiveItem, RunOutput } from './run-output';
import { StreamOutput } from './stream-entry';
import { StreamSink } from './stream-sink';

/** How often a run's missing events are read again while the projector has not written them yet. */
const READ_RETRY_MS = 100;

export interface RunFollowerDependencies {
  subscribe(conversation: ConversationRef, listener: (item: RunLiveItem) => void): () => void;
  /** What was published live of the conversation's latest runs (RunsHub.liveRuns), by run id. */
  liveRuns(conversation: ConversationRef): ReadonlyMap<string, LiveRun>;
  /** The ids of the conversation's runs still streaming. */
  streamingRuns(conversation: ConversationRef): Promise<string[]>;
  /** A run's end as Postgres has it; null while it streams or when there is no such run. */
  runEnd(conversation: ConversationRef, runId: string): Promise<RunEnd | null>;
  /** The run's events with run_seq in (after, after + limit]. */
  events(conversation: ConversationRef, runId: string, after: number, limit: number): Promise<RunEvent[]>;
  settings: { catchUpPage: number; reorderBufferMax: number };
}

/** The run a committed message holds: metadata.run = {id, last_run_seq}; null for any other output. */
export function committedRun(output: StreamOutput): { id: string; lastRunSeq: number; seq: number } | null {
  if (output.kind !== 'message') {
    return null;
  }
  const run = output.message.metadata.run;
  if (typeof run !== 'object' || run === null) {
    return null;
  }
  const { id, last_run_seq: lastRunSeq } = run as Record<string, unknown>;
  return typeof id === 'string' && typeof lastRunSeq === 'number' ? { id, lastRunSeq, seq: output.seq } : null;
}

/**
 * One subscriber's runs of its conversation, beside its message stream: on start,
 * every run still streaming (and every run the client named a cursor for) from
 * run_seq 1 or after that cursor, read from Postgres, then the live ones (RunMerge
 * decides what goes out). The live consumer runs ahead of the projector, so what
 * was published live before the subscriber joined may not be in Postgres yet and
 * counts first: a run seen streaming live is followed, one seen ending live is not
 * (unless the client has a cursor for it: its end is applied), and the events seen
 * live are read until Postgres has them, since no later live item will say they
 * exist. It also passes on the message stream's outputs, in their order: a
 * committed message of a run it follows waits until that run's events through
 * metadata.run.last_run_seq and its status went out, so a client sees a run's
 * events, its status, then its message.
 */
export class RunFollower {
  private readonly merge: RunMerge;
  /** Live items that arrive before the runs to follow are known. */
  private early: RunLiveItem[] | null = [];
  /** Message stream outputs not delivered yet, in order; the first may wait on a run. */
  private readonly queue: StreamOutput[] = [];
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private closed = false;

  constructor(
    private readonly conversation: ConversationRef,
    private readonly cursors: RunCursors,
    private readonly sink: StreamSink,
    private readonly deps: RunFollowerDependencies,
    private readonly onFail: (error: Error) => void,
  ) {
    this.merge = new RunMerge(cursors, deps.settings.reorderBufferMax);
  }

  async start(): Promise<void> {
    this.unsubscribe = this.deps.subscribe(this.conversation, (item) => this.onLive(item));
    const seenLive = this.deps.liveRuns(this.conversation);
    try {
      const streaming = new Set(await this.deps.streamingRuns(this.conversation));
      for (const [runId, run] of seenLive) {
        if (run.end === null) {
          streaming.add(runId);
        } else {
          streaming.delete(runId);
        }
      }
      streaming.forEach((runId) => this.merge.catchUp(runId));
      for (const runId of this.cursors.keys()) {
        if (!streaming.has(runId)) {
          await this.resumeEnded(runId, seenLive.get(runId)?.end ?? null);
        }
      }
      this.awaitSeenLive(seenLive);
    } catch (error) {
      this.fail(error);
      return;
    }
    const early = this.early ?? [];
    this.early = null;
    early.forEach((item) => this.apply(item));
    this.drainQueue();
    void this.read();
  }

  /** An output of the message stream: delivered in order, a committed message after its run. */
  pass(output: StreamOutput): void {
    if (this.closed && output.kind !== 'deleted') {
      return;
    }
    this.queue.push(output);
    if (output.kind === 'deleted') {
      this.queue.splice(0).forEach((queued) => this.sink.deliver(queued));
      return;
    }
    this.drainQueue();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** A run named by a client cursor that is no longer streaming: its missing events, then its status. */
  private async resumeEnded(runId: string, endSeenLive: RunEnd | null): Promise<void> {
    const end = (await this.deps.runEnd(this.conversation, runId)) ?? endSeenLive;
    if (end !== null) {
      this.merge.follow(runId);
      this.deliver(this.merge.end(runId, end));
    }
  }

  /** Each followed run's events published live before the subscriber joined are read until Postgres has them. */
  private awaitSeenLive(seenLive: ReadonlyMap<string, LiveRun>): void {
    for (const [runId, run] of seenLive) {
      if (this.merge.follows(runId)) {
        this.merge.require(runId, run.lastRunSeq);
      }
    }
  }

  private onLive(item: RunLiveItem): void {
    if (this.closed) {
      return;
    }
    if (this.early) {
      this.early.push(item);
      return;
    }
    this.apply(item);
    this.drainQueue();
    void this.read();
  }

  private apply(item: RunLiveItem): void {
    this.deliver(
      item.kind === 'events' ? this.merge.offer(item.runId, item.events) : this.merge.end(item.runId, item.end),
    );
  }

  /** Delivers the queued message outputs up to the first that still waits on its run's events. */
  private drainQueue(): void {
    if (this.early) {
      return;
    }
    while (this.queue.length > 0 && !this.closed) {
      const next = this.queue[0];
      const run = committedRun(next);
      if (run && this.merge.follows(run.id)) {
        if (!this.merge.released(run.id, run.lastRunSeq)) {
          this.merge.require(run.id, run.lastRunSeq);
          void this.read();
          return;
        }
        const end: RunEnd = { status: 'committed', reason: null, lastRunSeq: run.lastRunSeq, messageSeqs: [run.seq] };
        this.deliver(this.merge.end(run.id, end));
      }
      this.queue.shift();
      this.sink.deliver(next);
    }
  }

  /** Reads from Postgres what the runs wait on, a page at a time, until nothing is missing. */
  private async read(): Promise<void> {
    if (this.reading || this.closed || this.early) {
      return;
    }
    this.reading = true;
    try {
      for (let missing = this.merge.missing(); missing !== null && !this.closed; missing = this.merge.missing()) {
        const limit = Math.min(this.deps.settings.catchUpPage, missing.before - missing.after - 1);
        const events = await this.deps.events(this.conversation, missing.runId, missing.after, limit);
        if (this.closed) {
          return;
        }
        const unbounded = missing.before === UNBOUNDED;
        if (unbounded && events.length < limit) {
          this.merge.caughtUp(missing.runId);
        } else if (events.length === 0) {
          this.retryLater();
          return;
        }
        this.deliver(this.merge.offer(missing.runId, events));
        this.drainQueue();
        await this.sink.whenWritable();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.reading = false;
    }
  }

  /** The projector has not written the missing events yet: read again shortly. */
  private retryLater(): void {
    if (this.timer || this.closed) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.read();
    }, READ_RETRY_MS);
  }

  private deliver(outputs: RunOutput[]): void {
    for (const output of outputs) {
      if (this.closed) {
        return;
      }
      this.sink.deliver(output);
    }
  }

  private fail(error: unknown): void {
    if (this.closed) {
      return;
    }
    this.close();
    this.onFail(error instanceof Error ? error : new Error(String(error)));
  }
}
