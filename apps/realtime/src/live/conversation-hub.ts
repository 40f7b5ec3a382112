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

/** Conversations whose live head the hub remembers, least recently active first out. */
const LIVE_HEADS_KEPT = 100_000;

/** What the hub has published of one conversation: its highest seq, and the last seq of its deletion if it saw one. */
export interface LiveHead {
  seq: number;
  deletedLastSeq: number | null;
}

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
  /** The live head per conversation key, in least-recently-published order (bounded). */
  private readonly heads = new Map<string, LiveHead>();

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
   * What the hub has published of the conversation, if it remembers it. The fan-out starts at the projector's
   * position, so a seq or a deletion beyond the projection was published here: a stream starting after it must
   * wait for it or end (ConversationStream) even though no newer live event will come to say so.
   */
  liveHead(key: string): LiveHead | undefined {
    const head = this.heads.get(key);
    return head && { ...head };
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
    let seq: number;
    let deletedLastSeq: number | null = null;
    switch (event.type) {
      case EventType.MessageAppended:
      case EventType.MessageTombstoned:
        seq = event.seq;
        break;
      case EventType.ConversationDeleted:
        seq = deletedLastSeq = event.data.last_seq;
        break;
      default:
        return;
    }
    const head = this.heads.get(key);
    if (head) {
      // Moved to the most recent end, updated in place: no allocation per event on the fan-out loop.
      this.heads.delete(key);
      head.seq = Math.max(head.seq, seq);
      head.deletedLastSeq = deletedLastSeq ?? head.deletedLastSeq;
      this.heads.set(key, head);
      return;
    }
    if (this.heads.size >= LIVE_HEADS_KEPT) {
      this.heads.delete(this.heads.keys().next().value as string);
    }
    this.heads.set(key, { seq, deletedLastSeq });
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
