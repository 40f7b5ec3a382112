/** Rows deleted per statement, so one run never holds long locks. */
export const RETENTION_BATCH = 5000;

/**
 * Deletes up to `RETENTION_BATCH` message rows that are both archived
 * (`seq <= archived_seq`, which only the archive's index transactions raise) and
 * not among the newest `retain` seqs of their conversation (`seq <= last_seq - retain`)
 * and at or below the contiguous watermark (`seq <= contiguous_seq`), so a seq
 * missing from Postgres is either trimmed (below the watermark) or not settled yet.
 * Walks each conversation's primary key range, so conversations with nothing to
 * trim cost one index probe. Only conversations this archiver's topic holds
 * (index rows in it) are touched: `messages` has no topic column.
 */
export function trimArchivedMessages(retain: number, topic: string): { sql: string; params: unknown[] } {
  return {
    sql: `DELETE FROM messages WHERE ctid = ANY (ARRAY(
            SELECT m.ctid
            FROM conversations c
            CROSS JOIN LATERAL (
              SELECT ctid FROM messages
              WHERE tenant_id = c.tenant_id AND conversation_id = c.id AND seq <= least(c.archived_seq, c.contiguous_seq, c.last_seq - $1)
              LIMIT $2
            ) m
            WHERE least(c.archived_seq, c.contiguous_seq, c.last_seq - $1) > 0
              AND EXISTS (SELECT 1 FROM archive_index ai JOIN archive_segments s ON s.segment_key = ai.segment_key
                          WHERE ai.tenant_id = c.tenant_id AND ai.conversation_id = c.id AND s.topic = $3)
            LIMIT $2))`,
    params: [retain, RETENTION_BATCH, topic],
  };
}
