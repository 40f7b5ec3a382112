import { Statement } from '@threadline/persistence';
import { ChunkRuns } from './chunk-runs';

/**
 * Advances the contiguous watermark of the conversations a chunk wrote seq rows
 * for, after those rows are in (same transaction), and keeps their hole state:
 *
 * - `contiguous_seq` moves from its stored value over the run of consecutive
 *   rows that starts right after it. When the stored seq + 1 falls inside the
 *   chunk's own run for the conversation (`chunkRuns`: appends in order), it jumps
 *   to the run's end first, so the usual chunk costs one index probe per
 *   conversation; only rows that landed earlier above a hole are walked, once,
 *   when the hole closes. The stored seq + 1 is always missing between chunks, so
 *   a conversation whose hole stays open also costs one probe.
 * - `hole_since` is set (Postgres now()) with `hole_last_seq` = last_seq when the
 *   watermark falls behind last_seq, and both are cleared when it catches up.
 *   When the watermark passes hole_last_seq with seqs still missing above it, a
 *   new hole starts: every seq the settler may tombstone (up to hole_last_seq) has
 *   then been missing since hole_since, so its reservation is older than that.
 *
 * Rows are only updated when something changes. `moved` is materialized so each
 * conversation's run is walked once, not once per reference.
 */
export function advanceWatermarks(runs: ChunkRuns): Statement {
  return {
    sql: `WITH jumped AS (
            SELECT c.tenant_id, c.id, c.last_seq, c.hole_since, c.hole_last_seq, c.contiguous_seq AS stored,
                   CASE WHEN c.contiguous_seq + 1 BETWEEN r.run_from AND r.run_to THEN r.run_to
                        ELSE c.contiguous_seq
                   END AS start
            FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS r(tenant_id, id, run_from, run_to)
            JOIN conversations c ON c.tenant_id = r.tenant_id AND c.id = r.id
          ), moved AS MATERIALIZED (
            SELECT j.tenant_id, j.id, j.last_seq, j.hole_since, j.hole_last_seq, j.stored,
                   CASE WHEN EXISTS (SELECT 1 FROM messages n
                                     WHERE n.tenant_id = j.tenant_id AND n.conversation_id = j.id
                                       AND n.seq = j.start + 1)
                        THEN (SELECT m.seq FROM messages m
                              WHERE m.tenant_id = j.tenant_id AND m.conversation_id = j.id AND m.seq > j.start
                                AND NOT EXISTS (SELECT 1 FROM messages n
                                                WHERE n.tenant_id = j.tenant_id AND n.conversation_id = j.id
                                                  AND n.seq = m.seq + 1)
                              ORDER BY m.seq
                              LIMIT 1)
                        ELSE j.start
                   END AS contiguous
            FROM jumped j
          ), next AS (
            SELECT tenant_id, id, stored, hole_since, contiguous,
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
          WHERE c.tenant_id = n.tenant_id AND c.id = n.id
            AND c.id = ANY($2::text[])
            AND (n.contiguous <> n.stored OR n.new_hole_since IS DISTINCT FROM n.hole_since)`,
    params: [runs.tenantIds, runs.ids, runs.from, runs.to],
  };
}
