import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConversationRef } from '@threadline/contracts';

/** Where a conversation's log stands in the projection. */
export interface ConversationHead {
  /** Highest seq materialized (message or tombstone). */
  lastSeq: number;
  /** Every seq up to here is settled. */
  contiguousSeq: number;
  /** Every seq up to here is archived. */
  archivedSeq: number;
  tombstoned: boolean;
}

interface HeadSqlRow {
  last_seq: string;
  contiguous_seq: string;
  archived_seq: string;
  tombstoned: boolean;
}

/** Reads a conversation's head from the `conversations` row the projector keeps. */
@Injectable()
export class ConversationHeadReader {
  constructor(private readonly dataSource: DataSource) {}

  /** Null for a conversation the projection has not seen. */
  async read(ref: ConversationRef): Promise<ConversationHead | null> {
    const rows = await this.dataSource.query<HeadSqlRow[]>(
      'SELECT last_seq, contiguous_seq, archived_seq, tombstoned FROM conversations WHERE tenant_id = $1 AND id = $2',
      [ref.tenantId, ref.conversationId],
    );
    if (rows.length === 0) {
      return null;
    }
    const [row] = rows;
    return {
      lastSeq: Number(row.last_seq),
      contiguousSeq: Number(row.contiguous_seq),
      archivedSeq: Number(row.archived_seq),
      tombstoned: row.tombstoned,
    };
  }
}
