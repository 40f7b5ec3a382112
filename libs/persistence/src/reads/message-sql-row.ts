import type { MessageKind, MessageRow } from '../entities/message.entity';

/** The columns of `messages`, as node-postgres returns them (bigint as text). */
export interface MessageSqlRow {
  tenant_id: string;
  conversation_id: string;
  seq: string;
  kind: MessageKind;
  version: string | null;
  role: string | null;
  parts: unknown[] | null;
  metadata: Record<string, unknown> | null;
  token_count: number | null;
  producer_id: string | null;
  producer_seq: string | null;
  actor: string | null;
  tombstone_reason: string | null;
  event_id: string;
  inserted_at: Date;
  kafka_partition: number;
  kafka_offset: string;
}

export const MESSAGE_COLUMNS: ReadonlyArray<keyof MessageSqlRow> = [
  'tenant_id',
  'conversation_id',
  'seq',
  'kind',
  'version',
  'role',
  'parts',
  'metadata',
  'token_count',
  'producer_id',
  'producer_seq',
  'actor',
  'tombstone_reason',
  'event_id',
  'inserted_at',
  'kafka_partition',
  'kafka_offset',
];

const optionalNumber = (value: string | null): number | null => (value === null ? null : Number(value));

/** A raw `messages` row as a MessageRow, without TypeORM's entity hydration (reads are hot paths). */
export function messageRowFromSql(row: MessageSqlRow): MessageRow {
  return {
    tenantId: row.tenant_id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    kind: row.kind,
    version: optionalNumber(row.version),
    role: row.role,
    parts: row.parts,
    metadata: row.metadata,
    tokenCount: row.token_count,
    producerId: row.producer_id,
    producerSeq: optionalNumber(row.producer_seq),
    actor: row.actor,
    tombstoneReason: row.tombstone_reason,
    eventId: row.event_id,
    insertedAt: row.inserted_at,
    kafkaPartition: row.kafka_partition,
    kafkaOffset: Number(row.kafka_offset),
  };
}
