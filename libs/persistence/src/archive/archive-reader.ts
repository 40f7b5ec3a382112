import { DataSource } from 'typeorm';
import { ArchivedMessage, isArchivedSeqEvent, toArchivedMessage } from './archived-message';
import { ObjectStore } from './object-store';
import { decompressSegment, parseLine } from './segment-format';

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
  ) {}

  /** Seqs `fromSeq..toSeq` (inclusive) held by the archive, ascending, at most `limit`. */
  async readRange(conversationId: string, fromSeq: number, toSeq: number, limit: number): Promise<ArchivedMessage[]> {
    if (limit <= 0 || toSeq < fromSeq) {
      return [];
    }
    // All events of a conversation are in one partition: ordering by offset is partition order.
    const rows = await this.dataSource.query<IndexRow[]>(
      `SELECT segment_key, first_line, last_line FROM archive_index
       WHERE conversation_id = $1 AND first_seq <= $3 AND last_seq >= $2
       ORDER BY partition, first_offset`,
      [conversationId, fromSeq, toSeq],
    );
    const bySeq = new Map<number, ArchivedMessage>();
    for (const row of rows) {
      const bytes = await this.store.get(row.segment_key);
      if (bytes === null) {
        throw new ArchiveObjectMissingError(row.segment_key);
      }
      const lines = decompressSegment(bytes).slice(Number(row.first_line), Number(row.last_line) + 1);
      for (const text of lines) {
        const { partition, offset, event } = parseLine(text);
        if (event.conversation_id !== conversationId || !isArchivedSeqEvent(event) || bySeq.has(event.seq)) {
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
}
