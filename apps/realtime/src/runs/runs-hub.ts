import { Injectable, Logger } from '@nestjs/common';
import { RunLiveItem } from '../stream/run-output';

export type RunsListener = (item: RunLiveItem) => void;

/**
 * In-process fan-out of the runs topic to the streams that follow each
 * conversation (named by its conversationKey). Like ConversationHub, delivery is
 * synchronous and listeners only queue frames.
 */
@Injectable()
export class RunsHub {
  private readonly logger = new Logger(RunsHub.name);
  private readonly listeners = new Map<string, Set<RunsListener>>();

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

  publish(key: string, item: RunLiveItem): void {
    for (const listener of [...(this.listeners.get(key) ?? [])]) {
      try {
        listener(item);
      } catch (error) {
        this.logger.error(`runs listener of ${key} failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }
}
