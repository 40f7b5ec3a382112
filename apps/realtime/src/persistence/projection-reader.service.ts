import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { ReadinessService } from '@threadline/observability';
import { ConversationEntity, MessageEntity } from '@threadline/persistence';
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

/** Reads the Postgres projection (written by the projector) for catch-up and missing seqs. */
@Injectable()
export class ProjectionReader {
  constructor(
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    @InjectRepository(ConversationEntity) private readonly conversations: Repository<ConversationEntity>,
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
    const query = this.messages
      .createQueryBuilder('m')
      .where('m.conversation_id = :conversationId AND m.seq >= :from', { conversationId, from: range.from })
      .orderBy('m.seq', 'ASC')
      .limit(range.limit);
    if (range.before !== undefined) {
      query.andWhere('m.seq < :before', { before: range.before });
    }
    const rows = await query.getMany();
    return rows.map(entryFromRow);
  }

  /** The projected head and deletion state; null for a conversation the projection has not seen. */
  async state(conversationId: string): Promise<ConversationState | null> {
    const row = await this.conversations.findOne({
      where: { id: conversationId },
      select: { id: true, lastSeq: true, tombstoned: true },
    });
    return row ? { lastSeq: row.lastSeq, tombstoned: row.tombstoned } : null;
  }
}
