import { Injectable, Logger } from '@nestjs/common';
import { RunEnd, RunLiveItem } from '../stream/run-output';

export type RunsListener = (item: RunLiveItem) => void;

/** What the hub has published of one run: its highest run_seq, and its end if it saw one. */
export interface LiveRun {
  lastRunSeq: number;
  end: RunEnd | null;
}

/** Runs the hub remembers in all, least recently published first out. */
const RUNS_KEPT = 100_000;

/** Runs remembered per conversation, least recently published first out. */
const RUNS_KEPT_PER_CONVERSATION = 16;

/** A remembered run: what was published of it, and whose it is. */
interface PublishedRun extends LiveRun {
  key: string;
  runId: string;
}

/**
 * In-process fan-out of the runs topic to the streams that follow each
 * conversation (named by its conversationKey). Like ConversationHub, delivery is
 * synchronous and listeners only queue frames, and it remembers what it published
 * of each conversation's latest runs (bounded): the live consumer runs ahead of
 * the projector, so a stream that joins after an event or an end went out must
 * wait for Postgres to have it (RunFollower) even though no newer live item will
 * come to say so.
 */
@Injectable()
export class RunsHub {
  private readonly logger = new Logger(RunsHub.name);
  private readonly listeners = new Map<string, Set<RunsListener>>();
  /** What was published per run (`runKey`), least recently published first. */
  private readonly published = new Map<string, PublishedRun>();
  /** The remembered runs' ids per conversation key, least recently published first. */
  private readonly runIds = new Map<string, Set<string>>();

  /** Follows the runs of one conversation; returns the function that stops it. */
  subscribe(key: string, listener: RunsListener): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(key);
      if (current?.delete(listener) && current.size === 0) {
        this.listeners.delete(key);
      }
    };
  }

  /** What the hub has published of the conversation's latest runs, by run id (a copy). */
  liveRuns(key: string): Map<string, LiveRun> {
    const live = new Map<string, LiveRun>();
    for (const runId of this.runIds.get(key) ?? []) {
      const run = this.published.get(runKey(key, runId));
      if (run) {
        live.set(runId, { lastRunSeq: run.lastRunSeq, end: run.end });
      }
    }
    return live;
  }

  publish(key: string, item: RunLiveItem): void {
    this.remember(key, item);
    for (const listener of [...(this.listeners.get(key) ?? [])]) {
      try {
        listener(item);
      } catch (error) {
        this.logger.error(`runs listener of ${key} failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }

  private remember(key: string, item: RunLiveItem): void {
    const id = runKey(key, item.runId);
    let run = this.published.get(id);
    let ids = this.runIds.get(key);
    if (run) {
      this.published.delete(id);
      ids?.delete(item.runId);
    } else {
      run = { key, runId: item.runId, lastRunSeq: 0, end: null };
    }
    if (item.kind === 'events') {
      run.lastRunSeq = item.events.reduce((highest, event) => Math.max(highest, event.run_seq), run.lastRunSeq);
    } else {
      run.end ??= item.end;
      run.lastRunSeq = Math.max(run.lastRunSeq, item.end.lastRunSeq);
    }
    this.published.set(id, run);
    if (!ids) {
      ids = new Set();
      this.runIds.set(key, ids);
    }
    ids.add(item.runId);
    if (ids.size > RUNS_KEPT_PER_CONVERSATION) {
      this.forget(key, ids.values().next().value as string);
    }
    if (this.published.size > RUNS_KEPT) {
      const oldest = this.published.values().next().value as PublishedRun;
      this.forget(oldest.key, oldest.runId);
    }
  }

  private forget(key: string, runId: string): void {
    this.published.delete(runKey(key, runId));
    const ids = this.runIds.get(key);
    if (ids?.delete(runId) && ids.size === 0) {
      this.runIds.delete(key);
    }
  }
}

/** One run of one conversation (a conversation key holds no NUL). */
function runKey(key: string, runId: string): string {
  return `${key}\u0000${runId}`;
}
