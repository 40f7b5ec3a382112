import { Statement } from '@threadline/persistence';

/** A quarantined record as the operator commands show it. */
export interface QuarantinedRow {
  id: string;
  partition: number;
  kafka_offset: string;
  reason: string;
  tenant_id: string | null;
  conversation_id: string | null;
  seq: string | null;
  quarantined_at: Date;
  reapplied_at: Date | null;
  record_key: Buffer | null;
  record_value: Buffer | null;
}

export interface QuarantineScope {
  consumer: string;
  topic: string;
}

export function countOpenQuarantined(scope: QuarantineScope): Statement {
  return {
    sql: `SELECT count(*)::int AS open FROM quarantined_records
          WHERE consumer = $1 AND topic = $2 AND reapplied_at IS NULL`,
    params: [scope.consumer, scope.topic],
  };
}

export function listQuarantined(scope: QuarantineScope, includeReapplied: boolean): Statement {
  return {
    sql: `SELECT id, partition, kafka_offset, reason, tenant_id, conversation_id, seq, quarantined_at, reapplied_at,
                 record_key, record_value
          FROM quarantined_records
          WHERE consumer = $1 AND topic = $2 AND ($3 OR reapplied_at IS NULL)
          ORDER BY id`,
    params: [scope.consumer, scope.topic, includeReapplied],
  };
}

export function findQuarantined(scope: QuarantineScope, id: string): Statement {
  return {
    sql: `SELECT id, partition, kafka_offset, reason, tenant_id, conversation_id, seq, quarantined_at, reapplied_at,
                 record_key, record_value
          FROM quarantined_records
          WHERE consumer = $1 AND topic = $2 AND id = $3`,
    params: [scope.consumer, scope.topic, id],
  };
}

export function markReapplied(scope: QuarantineScope, id: string): Statement {
  return {
    sql: `UPDATE quarantined_records SET reapplied_at = now()
          WHERE consumer = $1 AND topic = $2 AND id = $3 AND reapplied_at IS NULL`,
    params: [scope.consumer, scope.topic, id],
  };
}
