import { setTimeout as sleep } from 'node:timers/promises';
import type { ConversationRef } from '@threadline/contracts';
import type { LiveHead } from '../live/conversation-hub';
import { ConversationState, SeqRange } from './projection-reader';
import { OrderedStream } from './ordered-stream';
import { deletedEntry, MessageEntry, StreamEntry, StreamOutput, TombstoneEntry } from './stream-entry';
import { StreamSink } from './stream-sink';

/** How often a catching-up stream re-reads Postgres while the projection lags behind live events. */
const CATCH_UP_POLL_MS = 100;

export interface StreamSettings {
  reorderTimeoutMs: number;
  reorderBufferMax: number;
  catchUpPage: number;
}

export interface StreamDependencies {
  subscribe(conversation: ConversationRef, listener: (entry: StreamEntry) => void): () => void;
  readEntries(conversation: ConversationRef, range: SeqRange): Promise<Array<MessageEntry | TombstoneEntry>>;
  readState(conversation: ConversationRef): Promise<ConversationState | null>;
  /** What of the conversation was seen live (ConversationHub.liveHead), null if nothing is remembered. */
  liveHead(conversation: ConversationRef): LiveHead | null;
  countGap(): void;
  settings: StreamSettings;
}

/**
 * One subscriber's view of one conversation: catch-up from Postgres after a
 * cursor, then live events, released strictly in seq order without gaps or
 * duplicates at the hand-off.
 *
 * It follows the live hub first and holds what arrives, then reads Postgres
 * (`seq >= next`, only below the lowest held seq) until the held events join on.
 * A seq still missing after REORDER_TIMEOUT_MS (counted from the last progress)
 * becomes a `gap`. Catch-up also waits for the highest seq the hub saw live
 * before the stream subscribed, and ends after a deletion the hub saw live: the
 * projection may not hold them yet, and no newer live event may come to show them. `cursor` null means live only: start after the projected head.
 */
export class ConversationStream {
  private ordered: OrderedStream<StreamEntry> | null = null;
  /** Live events that arrive before the start position is known. */
  private early: StreamEntry[] = [];
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private filling = false;
  private live = false;
  private closed = false;
  private startedAfter: number | null = null;
  /** A seq seen live before the stream subscribed, which catch-up must reach (or report as a gap). */
  private mustReach: { seq: number; since: number } | null = null;

  constructor(
    readonly conversation: ConversationRef,
    private readonly cursor: number | null,
    private readonly sink: StreamSink<StreamOutput>,
    private readonly deps: StreamDependencies,
    private readonly onClose: () => void = () => undefined,
  ) {}

  /** The seq the stream started after (the cursor, or the projected head for live only); null until known. */
  get startCursor(): number | null {
    return this.ordered === null ? this.cursor : this.startedAfter;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Subscribes, catches up, then follows live events; resolves once caught up (or stopped, or closed before). */
  async start(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.unsubscribe = this.deps.subscribe(this.conversation, (entry) => this.onLiveEntry(entry));
    const seenLive = this.deps.liveHead(this.conversation);
    try {
      const state = await this.deps.readState(this.conversation);
      if (this.closed) {
        return;
      }
      const cursor = this.cursor ?? state?.lastSeq ?? 0;
      this.startedAfter = cursor;
      this.mustReach = seenLive !== null && seenLive.seq > cursor ? { seq: seenLive.seq, since: Date.now() } : null;
      this.ordered = new OrderedStream<StreamEntry>({
        nextSeq: cursor + 1,
        maxBuffered: this.deps.settings.reorderBufferMax,
      });
      const early = this.early;
      this.early = [];
      for (const entry of early) {
        this.offer(entry);
      }
      if (state?.tombstoned) {
        this.offer(deletedEntry(state.lastSeq));
      } else if (seenLive?.deletedLastSeq != null) {
        this.offer(deletedEntry(seenLive.deletedLastSeq));
      }
      await this.fill(true);
      this.live = true;
      this.armTimer();
    } catch (error) {
      this.failWith(error);
    }
  }

  /** Stops following the conversation; nothing is delivered afterwards. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.ordered = null;
    this.early = [];
    this.onClose();
  }

  private onLiveEntry(entry: StreamEntry): void {
    if (this.closed) {
      return;
    }
    if (!this.ordered) {
      if (this.early.length < this.deps.settings.reorderBufferMax) {
        this.early.push(entry);
      }
      return;
    }
    this.offer(entry);
    this.armTimer();
  }

  private offer(entry: StreamEntry): void {
    const ordered = this.ordered;
    if (!ordered) {
      return;
    }
    if (entry.kind === 'deleted' && entry.seq < ordered.nextSeq) {
      this.emit([entry]);
      return;
    }
    this.emit(ordered.offer(entry, Date.now()));
  }

  private emit(outputs: StreamOutput[]): void {
    for (const output of outputs) {
      if (this.closed) {
        return;
      }
      if (output.kind === 'gap') {
        this.deps.countGap();
      }
      if (output.kind === 'deleted') {
        this.close();
      }
      this.sink.deliver(output);
    }
  }

  /**
   * Reads Postgres for the next seq onwards (below anything held) until nothing
   * waits behind a missing seq. A seq missing for REORDER_TIMEOUT_MS becomes a gap.
   * While catching up it keeps polling (the projection may lag); once live it
   * returns when the wait is not over yet and the timer brings it back.
   */
  private async fill(catchingUp: boolean): Promise<void> {
    if (this.filling) {
      return;
    }
    this.filling = true;
    try {
      const { catchUpPage, reorderTimeoutMs } = this.deps.settings;
      for (;;) {
        const ordered = this.ordered;
        if (this.closed || !ordered) {
          return;
        }
        const entries = await this.deps.readEntries(this.conversation, {
          from: ordered.nextSeq,
          before: ordered.lowestBuffered,
          limit: catchUpPage,
        });
        for (const entry of entries) {
          this.offer(entry);
          await this.sink.whenWritable();
          if (this.closed) {
            return;
          }
        }
        if (entries.length === catchUpPage) {
          continue;
        }
        const behind = this.behindLive(ordered);
        const since = ordered.waitingSince ?? behind?.since ?? null;
        if (since === null) {
          return;
        }
        const waited = Date.now() - since;
        if (waited >= reorderTimeoutMs) {
          const now = Date.now();
          this.emit(
            ordered.waitingSince === null && behind ? ordered.skipTo(behind.seq + 1, now) : ordered.skipGap(now),
          );
          continue;
        }
        if (!catchingUp) {
          return;
        }
        await sleep(Math.min(CATCH_UP_POLL_MS, reorderTimeoutMs - waited));
      }
    } finally {
      this.filling = false;
    }
  }

  /**
   * The seq seen live before the stream subscribed, while the stream has not released it yet: nothing
   * newer may come live to hold it up, so catch-up polls the projection for it like for a missing seq.
   */
  private behindLive(ordered: OrderedStream<StreamEntry>): { seq: number; since: number } | null {
    if (this.mustReach !== null && ordered.nextSeq > this.mustReach.seq) {
      this.mustReach = null;
    }
    return this.mustReach;
  }

  /** While live, wakes up when the next seq has been missing for REORDER_TIMEOUT_MS. */
  private armTimer(): void {
    const since = this.ordered?.waitingSince ?? null;
    if (!this.live || this.closed || this.filling || this.timer || since === null) {
      return;
    }
    const delay = Math.max(0, since + this.deps.settings.reorderTimeoutMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.resolveMissing();
    }, delay);
  }

  private async resolveMissing(): Promise<void> {
    const since = this.ordered?.waitingSince ?? null;
    if (this.closed || since === null) {
      return;
    }
    if (Date.now() - since >= this.deps.settings.reorderTimeoutMs) {
      try {
        await this.fill(false);
      } catch (error) {
        this.failWith(error);
        return;
      }
    }
    this.armTimer();
  }

  private failWith(error: unknown): void {
    if (this.closed) {
      return;
    }
    this.close();
    this.sink.fail(error instanceof Error ? error : new Error(String(error)));
  }
}
