import { RunStatus } from '@threadline/contracts';
import { Statement } from '@threadline/persistence';
import { NewRunRow, RunChange, RunEventRow, RunKey } from './run-chunk-plan';

/** A run's progress as `runs` holds it (bigints come back from pg as strings). */
export interface RunProgressRow {
  tenant_id: string;
  run_id: string;
  status: RunStatus;
  last_run_seq: string;
}

/** The progress of the given runs, in one SELECT (runs without a row are not returned). */
export function selectRunProgress(keys: readonly RunKey[]): Statement {
  return {
    sql: `SELECT r.tenant_id, r.run_id, r.status, r.last_run_seq
          FROM runs r
          JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, run_id)
            ON r.tenant_id = k.tenant_id AND r.run_id = k.run_id`,
    params: [keys.map((k) => k.tenantId), keys.map((k) => k.runId)],
  };
}

export function insertRuns(runs: readonly NewRunRow[]): Statement {
  return {
    sql: `INSERT INTO runs (tenant_id, run_id, conversation_id, status, actor, parent_seq, metadata, created_at)
          SELECT r.tenant_id, r.run_id, r.conversation_id, 'streaming', r.actor, r.parent_seq, r.metadata, r.created_at
          FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::jsonb[], $7::timestamptz[])
            AS r(tenant_id, run_id, conversation_id, actor, parent_seq, metadata, created_at)`,
    params: [
      runs.map((r) => r.tenantId),
      runs.map((r) => r.runId),
      runs.map((r) => r.conversationId),
      runs.map((r) => r.actor),
      runs.map((r) => r.parentSeq),
      runs.map((r) => JSON.stringify(r.metadata)),
      runs.map((r) => r.createdAt),
    ],
  };
}

/** The events in one multi-row INSERT; the body is the event with its kind, without its run_seq. */
export function insertRunEvents(events: readonly RunEventRow[]): Statement {
  return {
    sql: `INSERT INTO run_events (tenant_id, run_id, run_seq, kind, body, created_at)
          SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::timestamptz[])`,
    params: [
      events.map((e) => e.tenantId),
      events.map((e) => e.runId),
      events.map((e) => e.event.run_seq),
      events.map((e) => e.event.kind),
      events.map((e) => JSON.stringify(bodyOf(e.event))),
      events.map((e) => e.createdAt),
    ],
  };
}

function bodyOf(event: RunEventRow['event']): Record<string, unknown> {
  const body: Record<string, unknown> = { ...event };
  delete body.run_seq;
  return body;
}

/** Each changed run's state after the chunk, in one UPDATE; a run's end fields only when it ended. */
export function updateRuns(changes: readonly RunChange[]): Statement {
  return {
    sql: `UPDATE runs SET
            last_run_seq = c.last_run_seq,
            status = COALESCE(c.status, runs.status),
            reason = CASE WHEN c.status IS NULL THEN runs.reason ELSE c.reason END,
            error_message = CASE WHEN c.status IS NULL THEN runs.error_message ELSE c.error_message END,
            message_seqs = CASE WHEN c.status IS NULL THEN runs.message_seqs
                                ELSE ARRAY(SELECT jsonb_array_elements_text(c.message_seqs)::bigint) END,
            finished_at = COALESCE(c.finished_at, runs.finished_at)
          FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
                      $8::timestamptz[])
            AS c(tenant_id, run_id, last_run_seq, status, reason, error_message, message_seqs, finished_at)
          WHERE runs.tenant_id = c.tenant_id AND runs.run_id = c.run_id`,
    params: [
      changes.map((c) => c.tenantId),
      changes.map((c) => c.runId),
      changes.map((c) => c.lastRunSeq),
      changes.map((c) => c.end?.status ?? null),
      changes.map((c) => c.end?.reason ?? null),
      changes.map((c) => c.end?.errorMessage ?? null),
      changes.map((c) => (c.end ? JSON.stringify(c.end.messageSeqs) : null)),
      changes.map((c) => c.end?.finishedAt ?? null),
    ],
  };
}
