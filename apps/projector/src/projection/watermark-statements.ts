import { Statement } from '@threadline/persistence';

/**
 * Advances the contiguous watermark of the conversations a chunk wrote seq rows
 * for, after those rows are in (same transaction), and keeps their hole state:
 *
 * - `contiguous_seq` moves from its stored value over the run of consecutive
 *   rows that starts right after it. The stored seq + 1 is always missing
 *   between chunks, so a conversation whose hole stays open costs one index
 *   probe; one whose hole closes walks its newly contiguous rows once.
 * - `hole_since` is set (Postgres now()) with `hole_last_seq` = last_seq when the
 *   watermark falls behind last_seq, and both are cleared when it catches up.
 *   When the watermark passes hole_last_seq with seqs still missing above it, a
 *   new hole starts: every seq the settler may tombstone (up to hole_last_seq) has
 *   then been missing since hole_since, so its reservation is older than that.
 *
 * Rows are only updated when something changes.
 */
export function advanceWatermarks(conversationIds: readonly string[]): Statement {
  return {
    sql: `WITH moved AS (
            SELECT c.id, c.last_seq, c.hole_since, c.hole_last_seq, c.contiguous_seq AS stored,
                   CASE WHEN EXISTS (SELECT 1 FROM messages n
                                     WHERE n.conversation_id = c.id AND n.seq = c.contiguous_seq + 1)
                        THEN (SELECT m.seq FROM messages m
                              WHERE m.conversation_id = c.id AND m.seq > c.contiguous_seq
                                AND NOT EXISTS (SELECT 1 FROM messages n
                                                WHERE n.conversation_id = c.id AND n.seq = m.seq + 1)
                              ORDER BY m.seq
                              LIMIT 1)
                        ELSE c.contiguous_seq
                   END AS contiguous
            FROM conversations c
            WHERE c.id = ANY($1::text[])
          ), next AS (
            SELECT id, stored, hole_since, contiguous,
                   CASE WHEN contiguous >= last_seq THEN NULL
                        WHEN hole_since IS NULL OR contiguous >= hole_last_seq THEN now()
                        ELSE hole_since
                   END AS new_hole_since,
                   CASE WHEN contiguous >= last_seq THEN NULL
                        WHEN hole_since IS NULL OR contiguous >= hole_last_seq THEN last_seq
                        ELSE hole_last_seq
                   END AS new_hole_last_seq
            FROM moved
          )
          UPDATE conversations AS c SET
            contiguous_seq = n.contiguous,
            hole_since = n.new_hole_since,
            hole_last_seq = n.new_hole_last_seq
          FROM next AS n
          WHERE c.id = n.id
            AND (n.contiguous <> n.stored OR n.new_hole_since IS DISTINCT FROM n.hole_since)`,
    params: [conversationIds],
  };
}
