import { DataSource } from 'typeorm';
import type { ConversationRef } from '@threadline/contracts';
import type { MessageRow } from '../entities/message.entity';
import { isArchivedSeqEvent, toArchivedMessage } from './archived-message';
import { ObjectStore } from './object-store';
import { SegmentCache } from './segment-cache';
import { decompressSegment, parseLine } from './segment-format';

/** ARCHIVE_READ_CACHE_BYTES' default: decompressed segments kept in memory by each reading process. */
export const DEFAULT_SEGMENT_CACHE_BYTES = 64 * 1024 * 1024;

interface IndexRow {
  segment_key: string;
  first_line: number;
  last_line: number;
}

export class ArchiveObjectMissingError extends Error {
  constructor(key: string) {
    super(`archive object ${key} is indexed but missing from the store`);
    this.name = 'ArchiveObjectMissingError';
  }
}

/**
 * Read-through to the archive: a conversation's seqs from the segments the index
 * names, with the rule every consumer applies (the first event per seq in
 * partition order wins; tombstones included). Only indexed objects are read, so
 * a segment written without its index row (a crash in between) is never seen.
 */
export class ArchiveReader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ObjectStore,
    private readonly cache = new SegmentCache(DEFAULT_SEGMENT_CACHE_BYTES),
  ) {}

  /**
   * Seqs `fromSeq..toSeq` (inclusive) of the conversation held by the archive,
   * ascending, at most `limit`: only the tenant's own segments are indexed for it,
   * and every line is checked against both tenant and id.
   */
  async readRange(ref: ConversationRef, fromSeq: number, toSeq: number, limit: number): Promise<MessageRow[]> {
    if (limit <= 0 || toSeq < fromSeq) {
      return [];
    }
    // All events of a conversation are in one partition: ordering by offset is partition order.
    const rows = await this.dataSource.query<IndexRow[]>(
      `SELECT segment_key, first_line, last_line FROM archive_index
       WHERE tenant_id = $1 AND conversation_id = $2 AND first_seq <= $4 AND last_seq >= $3
       ORDER BY partition, first_offset`,
      [ref.tenantId, ref.conversationId, fromSeq, toSeq],
    );
    const bySeq = new Map<number, MessageRow>();
    for (const row of rows) {
      const lines = (await this.segmentLines(row.segment_key)).slice(Number(row.first_line), Number(row.last_line) + 1);
      for (const text of lines) {
        const { partition, offset, event } = parseLine(text);
        if (
          event.tenant_id !== ref.tenantId ||
          event.conversation_id !== ref.conversationId ||
          !isArchivedSeqEvent(event) ||
          bySeq.has(event.seq)
        ) {
          continue;
        }
        bySeq.set(event.seq, toArchivedMessage(event, partition, offset));
      }
    }
    return [...bySeq.values()]
      .filter((m) => m.seq >= fromSeq && m.seq <= toSeq)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }

  private async segmentLines(key: string): Promise<string[]> {
    const cached = this.cache.get(key);
    if (cached) {
      return cached;
    }
    const bytes = await this.store.get(key);
    if (bytes === null) {
      throw new ArchiveObjectMissingError(key);
    }
    const lines = decompressSegment(bytes);
    this.cache.set(
      key,
      lines,
      lines.reduce((sum, line) => sum + line.length, 0),
    );
    return lines;
  }
}
