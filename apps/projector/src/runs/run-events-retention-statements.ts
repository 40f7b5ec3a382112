import { Statement } from '@threadline/persistence';

/** Runs whose events one statement deletes at most (a run holds up to its batches' events, thousands at most). */
export const RUN_EVENTS_RETENTION_BATCH = 50;

export interface RunEventsDeletedRow {
  runs: number;
  events: number;
}

/**
 * Deletes the events of at most RUN_EVENTS_RETENTION_BATCH runs that finished
 * more than `retentionMs` ago and marks them (events_deleted_at); the run rows
 * stay. Oldest first; rows another instance is on are skipped.
 */
export function deleteExpiredRunEvents(retentionMs: number): Statement {
  return {
    sql: `WITH due AS (
            SELECT tenant_id, run_id FROM runs
            WHERE finished_at IS NOT NULL AND events_deleted_at IS NULL
              AND finished_at < now() - $1 * interval '1 millisecond'
            ORDER BY finished_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED
          ), gone AS (
            DELETE FROM run_events e USING due
            WHERE e.tenant_id = due.tenant_id AND e.run_id = due.run_id
            RETURNING 1
          ), marked AS (
            UPDATE runs SET events_deleted_at = now() FROM due
            WHERE runs.tenant_id = due.tenant_id AND runs.run_id = due.run_id
            RETURNING 1
          )
          SELECT (SELECT count(*) FROM marked)::int AS runs, (SELECT count(*) FROM gone)::int AS events`,
    params: [retentionMs, RUN_EVENTS_RETENTION_BATCH],
  };
}
