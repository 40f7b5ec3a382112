import { Injectable, Logger } from '@nestjs/common';
import { ConversationEvent, conversationKey, eventConversation } from '@threadline/contracts';
import { entryFromEvent, StreamEntry } from '../stream/stream-entry';

export type HubListener = (entry: StreamEntry) => void;

/** Where an event is in the topic. */
export interface TopicPosition {
  partition: number;
  offset: number;
}

/** Sees every event the fan-out hands to the hub, whatever its conversation, with its topic position. */
export type EventObserver = (event: ConversationEvent, at: TopicPosition) => void;

/**
 * In-process fan-out of live topic events to the streams that follow each
 * conversation. Each event becomes one immutable entry shared by every stream,
 * so protocols can encode it once for all their clients. Delivery is synchronous and never waits on a client: listeners
 * only queue frames (a slow client is closed by its own connection, not waited for).
 */
@Injectable()
export class ConversationHub {
  private readonly logger = new Logger(ConversationHub.name);
  private readonly listeners = new Map<string, Set<HubListener>>();
  private readonly observers = new Set<EventObserver>();

  get conversationCount(): number {
    return this.listeners.size;
  }

  /** Follows the live events of one conversation, named by its conversationKey; returns the function that stops it. */
  subscribe(key: string, listener: HubListener): () => void {
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

  /** Follows every event of every conversation (inbox deltas); returns the function that stops it. */
  observe(observer: EventObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /**
   * Hands the event to the streams of its conversation (tenant and id: another
   * tenant's same id is another key) and, when its topic position is given (the
   * fan-out always gives it), to the observers.
   */
  publish(event: ConversationEvent, at?: TopicPosition): void {
    if (at) {
      this.notifyObservers(event, at);
    }
    const key = conversationKey(eventConversation(event));
    const set = this.listeners.get(key);
    const entry = set ? entryFromEvent(event) : null;
    if (!set || !entry) {
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(entry);
      } catch (error) {
        this.logger.error(`listener of ${key} failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }

  private notifyObservers(event: ConversationEvent, at: TopicPosition): void {
    for (const observer of this.observers) {
      try {
        observer(event, at);
      } catch (error) {
        this.logger.error(`observer failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }
}
