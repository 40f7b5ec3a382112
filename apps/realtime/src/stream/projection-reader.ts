import { Injectable } from '@nestjs/common';
import type { ConversationRef } from '@threadline/contracts';
import { ConversationHeadReader, MessageLogReader } from '@threadline/persistence';
import { entryFromRow, MessageEntry, TombstoneEntry } from './stream-entry';

export interface ConversationState {
  lastSeq: number;
  tombstoned: boolean;
}

export interface SeqRange {
  /** Inclusive. */
  from: number;
  /** Exclusive; undefined for no upper bound. */
  before?: number;
  limit: number;
}

/**
 * Reads what the projector materialized, for catch-up and missing seqs: the
 * conversation's state from Postgres, its entries from Postgres and, where
 * retention trimmed them, the archive; always of one tenant's conversation.
 */
@Injectable()
export class ProjectionReader {
  constructor(
    private readonly log: MessageLogReader,
    private readonly heads: ConversationHeadReader,
  ) {}

  /** Entries with `from <= seq < before`, ascending. */
  async entries(conversation: ConversationRef, range: SeqRange): Promise<Array<MessageEntry | TombstoneEntry>> {
    const to = range.before === undefined ? undefined : range.before - 1;
    const { messages } = await this.log.read(conversation, { from: range.from, to, limit: range.limit });
    return messages.map(entryFromRow);
  }

  /** The projected head and deletion state; null for a conversation the projection has not seen. */
  async state(conversation: ConversationRef): Promise<ConversationState | null> {
    const head = await this.heads.read(conversation);
    return head && { lastSeq: head.lastSeq, tombstoned: head.tombstoned };
  }
}
