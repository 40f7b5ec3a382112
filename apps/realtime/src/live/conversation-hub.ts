import { Injectable, Logger } from '@nestjs/common';
import { ConversationEvent, conversationKey, eventConversation, EventType } from '@threadline/contracts';
import { entryFromEvent, StreamEntry } from '../stream/stream-entry';

export type HubListener = (entry: StreamEntry) => void;

/** Where an event is in the topic. */
export interface TopicPosition {
  partition: number;
  offset: number;
}

/** Sees every event the fan-out hands to the hub, whatever its conversation, with its topic position. */
export type EventObserver = (event: ConversationEvent, at: TopicPosition) => void;

/** Conversations whose highest live seq the hub remembers, most recently active first out. */
const LATEST_SEQS_KEPT = 100_000;

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
  /** Highest seq published per conversation key, in least-recently-published order (bounded). */
  private readonly latest = new Map<string, number>();

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

  /**
   * The highest seq of the conversation the hub has published, if it remembers one. The fan-out starts at the
   * projector's position, so a seq above the projection's head was published here: a stream starting after
   * it must wait for it (ConversationStream) even though no newer live event will come to say so.
   */
  latestSeq(key: string): number | undefined {
    return this.latest.get(key);
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
    this.remember(key, event);
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

  private remember(key: string, event: ConversationEvent): void {
    if (event.type !== EventType.MessageAppended && event.type !== EventType.MessageTombstoned) {
      return;
    }
    const known = this.latest.get(key);
    if (known !== undefined) {
      this.latest.delete(key);
    } else if (this.latest.size >= LATEST_SEQS_KEPT) {
      this.latest.delete(this.latest.keys().next().value as string);
    }
    this.latest.set(key, Math.max(known ?? 0, event.seq));
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
