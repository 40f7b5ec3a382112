import { Injectable, Logger } from '@nestjs/common';
import { RunEnd, RunLiveItem } from '../stream/run-output';

export type RunsListener = (item: RunLiveItem) => void;

/** What the hub has published of one run: its highest run_seq, and its end if it saw one. */
export interface LiveRun {
  lastRunSeq: number;
  end: RunEnd | null;
}

/** Conversations whose live runs the hub remembers, least recently active first out. */
const CONVERSATIONS_KEPT = 100_000;

/** Runs remembered per conversation, least recently published first out. */
const RUNS_KEPT_PER_CONVERSATION = 16;

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
  /** Per conversation key, per run id: what was published, both in least-recently-published order. */
  private readonly published = new Map<string, Map<string, LiveRun>>();

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
    const runs = this.published.get(key);
    return new Map([...(runs ?? [])].map(([runId, run]) => [runId, { ...run }]));
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
    let runs = this.published.get(key);
    if (runs) {
      this.published.delete(key);
    } else {
      runs = new Map();
      if (this.published.size >= CONVERSATIONS_KEPT) {
        this.published.delete(this.published.keys().next().value as string);
      }
    }
    this.published.set(key, runs);
    const run = runs.get(item.runId) ?? { lastRunSeq: 0, end: null };
    runs.delete(item.runId);
    if (item.kind === 'events') {
      run.lastRunSeq = item.events.reduce((highest, event) => Math.max(highest, event.run_seq), run.lastRunSeq);
    } else {
      run.end ??= item.end;
      run.lastRunSeq = Math.max(run.lastRunSeq, item.end.lastRunSeq);
    }
    runs.set(item.runId, run);
    if (runs.size > RUNS_KEPT_PER_CONVERSATION) {
      runs.delete(runs.keys().next().value as string);
    }
  }
}
