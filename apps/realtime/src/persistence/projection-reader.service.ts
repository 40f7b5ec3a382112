import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DEFAULT_TENANT } from '@threadline/contracts';
import { ReadinessService } from '@threadline/observability';
import { ConversationHeadReader, MessageLogReader } from '@threadline/persistence';
import { entryFromRow, MessageEntry, TombstoneEntry } from '../stream/stream-entry';

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
 * retention trimmed them, the archive. Only the default tenant's conversations
 * for now (realtime does not authenticate yet).
 */
@Injectable()
export class ProjectionReader {
  constructor(
    private readonly log: MessageLogReader,
    private readonly heads: ConversationHeadReader,
    @InjectDataSource() dataSource: DataSource,
    readiness: ReadinessService,
  ) {
    readiness.register('postgres', async () => {
      await dataSource.query('SELECT 1');
      return { ok: true };
    });
  }

  /** Entries with `from <= seq < before`, ascending. */
  async entries(conversationId: string, range: SeqRange): Promise<Array<MessageEntry | TombstoneEntry>> {
    const to = range.before === undefined ? undefined : range.before - 1;
    const { messages } = await this.log.read(
      { tenantId: DEFAULT_TENANT, conversationId },
      { from: range.from, to, limit: range.limit },
    );
    return messages.map(entryFromRow);
  }

  /** The projected head and deletion state; null for a conversation the projection has not seen. */
  async state(conversationId: string): Promise<ConversationState | null> {
    const head = await this.heads.read({ tenantId: DEFAULT_TENANT, conversationId });
    return head && { lastSeq: head.lastSeq, tombstoned: head.tombstoned };
  }
}
