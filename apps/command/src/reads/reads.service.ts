import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import {
  ArchiveUnavailableError,
  ConversationHeadReader,
  LogWindow,
  MessageLogReader,
  MessageRow,
  SeqWindow,
  toMessageView,
} from '@threadline/persistence';
import type { ConversationRef } from '@threadline/contracts';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { ApiError } from '@threadline/errors';
import { Consistency, MessagePage } from './message-view';
import { ReplayQuery, TailQuery } from './read-query.dto';
import { settledRun } from './settled-run';

/** The projection's watermarks of a conversation when the read began. */
interface Projected {
  consistency: Consistency;
  /** The highest seq projected. */
  lastSeq: number;
  /** Every seq up to here is settled (message or tombstone): the newest seq a tail page shows. */
  contiguousSeq: number;
}

/**
 * Tail and replay reads of the conversation's log, hot rows from Postgres and
 * trimmed ones through the archive (MessageLogReader), with read-your-writes: a
 * strong read first waits (bounded) until the projection's contiguous watermark
 * has reached the head the index had when the read began, so an acknowledged
 * append is visible with every seq before it. A page never crosses a seq that is
 * not settled yet (it says `stale` when it had to stop), and while the index is
 * being rebuilt pages come from the projection alone, `stale`.
 */
@Injectable()
export class ReadsService {
  constructor(
    private readonly directory: ConversationDirectory,
    private readonly log: MessageLogReader,
    private readonly heads: ConversationHeadReader,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /** The newest `limit` seqs below the newest `offset` settled ones, in chronological order. */
  async tail(ref: ConversationRef, query: TailQuery): Promise<MessagePage> {
    const projected = await this.awaitProjection(ref, query.consistency);
    const newest = projected.contiguousSeq - query.offset;
    const oldest = Math.max(1, newest - query.limit + 1);
    const window = newest < 1 ? null : await this.read(ref, { from: oldest, to: newest, limit: query.limit });
    return {
      messages: (window?.messages ?? []).map(toMessageView),
      next_cursor: newest > query.limit ? query.offset + query.limit : null,
      consistency: projected.contiguousSeq < projected.lastSeq ? 'stale' : projected.consistency,
    };
  }

  async replay(ref: ConversationRef, query: ReplayQuery): Promise<MessagePage> {
    const { consistency } = await this.awaitProjection(ref, query.consistency);
    const from = Math.max(query.from, 1);
    const { messages } = await this.read(ref, { from, limit: query.limit });
    const { entries, stoppedAt } = settledRun(messages, from);
    const last = entries.at(-1);
    return {
      messages: entries.map(toMessageView),
      next_cursor: stoppedAt ?? (last ? last.seq + 1 : from),
      consistency: stoppedAt !== null ? 'stale' : consistency,
    };
  }

  /**
   * The settled entries `from..to` (messages and tombstones, archived ones
   * included), once the projection's contiguous watermark has reached `to`
   * (waiting, bounded, as a strong read does); null when it did not in time.
   */
  async settledWindow(ref: ConversationRef, from: number, to: number): Promise<MessageRow[] | null> {
    const deadline = Date.now() + this.config.reads.waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const projected = await this.projected(ref);
      if (projected && projected.contiguousSeq >= to) {
        return (await this.read(ref, { from, to, limit: to - from + 1 })).messages;
      }
      if (Date.now() + delay > deadline) {
        return null;
      }
      await sleep(delay);
    }
  }

  private async read(ref: ConversationRef, window: SeqWindow): Promise<LogWindow> {
    try {
      return await this.log.read(ref, window);
    } catch (error) {
      if (error instanceof ArchiveUnavailableError) {
        throw ApiError.unavailable('archive_unavailable', `Archived messages cannot be read now: ${error.message}`, 1);
      }
      throw error;
    }
  }

  private async awaitProjection(ref: ConversationRef, wanted: 'strong' | 'eventual'): Promise<Projected> {
    const head = await this.headVersion(ref);
    if (head === null) {
      const projected = await this.projected(ref);
      if (!projected) {
        throw ApiError.notFound(ref.conversationId);
      }
      return { ...projected, consistency: 'stale' };
    }
    const deadline = Date.now() + this.config.reads.waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      const projected = (await this.projected(ref)) ?? { lastSeq: 0, contiguousSeq: 0 };
      if (wanted === 'eventual') {
        return { ...projected, consistency: 'eventual' };
      }
      if (projected.contiguousSeq >= head) {
        return { ...projected, consistency: 'strong' };
      }
      if (Date.now() + delay > deadline) {
        return { ...projected, consistency: 'stale' };
      }
      await sleep(delay);
    }
  }

  /**
   * The head version the index holds for the conversation; null while the index is
   * being rebuilt (the read then serves what the projection has, `stale`).
   */
  private async headVersion(ref: ConversationRef): Promise<number | null> {
    try {
      const record = await this.directory.find(ref, this.config.append.ackTimeoutMs);
      if (!record?.created) {
        throw ApiError.notFound(ref.conversationId);
      }
      return record.version;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'index_rebuilding') {
        return null;
      }
      throw error;
    }
  }

  private async projected(ref: ConversationRef): Promise<Omit<Projected, 'consistency'> | null> {
    const head = await this.heads.read(ref);
    return head && { lastSeq: head.lastSeq, contiguousSeq: head.contiguousSeq };
  }
}
