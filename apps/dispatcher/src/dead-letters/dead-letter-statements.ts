import { Statement } from '@threadline/persistence';

/** A dead delivery whose record is not on the dead-letter topic yet (or not since its latest death). */
export interface DeadSqlRow {
  id: string;
  tenant_id: string;
  agent_id: string;
  conversation_id: string;
  first_seq: string;
  last_seq: string;
  attempts: number;
  last_error: string | null;
  completed_at: Date;
}

/** Dead deliveries to publish: never published, or dead again after a redelivery since. */
export function unpublishedDead(limit: number): Statement {
  return {
    sql: `SELECT id, tenant_id, agent_id, conversation_id, first_seq, last_seq, attempts, last_error, completed_at
          FROM deliveries
          WHERE status = 'dead' AND (dead_lettered_at IS NULL OR dead_lettered_at < completed_at)
          ORDER BY completed_at LIMIT $1`,
    params: [limit],
  };
}

/**
 * Marks deliveries published, unless they died again since they were read (a
 * redelivery): completed_at compared at the millisecond precision it was read with.
 */
export function markPublished(rows: readonly DeadSqlRow[]): Statement {
  return {
    sql: `UPDATE deliveries d SET dead_lettered_at = now()
          FROM unnest($1::uuid[], $2::timestamptz[]) AS p(id, completed_at)
          WHERE d.id = p.id AND d.status = 'dead' AND date_trunc('milliseconds', d.completed_at) = p.completed_at`,
    params: [rows.map((r) => r.id), rows.map((r) => r.completed_at)],
  };
}

/** The record on the dead-letter topic: enough to find the delivery and redeliver it. */
export function deadLetterRecord(row: DeadSqlRow): Record<string, unknown> {
  return {
    type: 'delivery.dead',
    delivery_id: row.id,
    tenant_id: row.tenant_id,
    agent_id: row.agent_id,
    conversation_id: row.conversation_id,
    first_seq: Number(row.first_seq),
    last_seq: Number(row.last_seq),
    attempts: row.attempts,
    last_error: row.last_error,
    dead_at: row.completed_at.toISOString(),
  };
}
