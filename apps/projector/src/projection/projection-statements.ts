import type { MessageKind } from '@threadline/persistence';
import { ConversationRow, ConversationStats, DeleteMark, InsertedMessage, MessageRow } from './batch-plan';

/**
 * The SQL of one projection transaction. Every statement is multi-row: rows go in
 * as one array per column and come out of `unnest`, so a chunk costs the same
 * handful of round trips whatever its size.
 */
export interface Statement {
  sql: string;
  params: unknown[];
}

export interface OffsetKey {
  consumer: string;
  topic: string;
  partition: number;
}

/**
 * Locks the partition's offset row and returns its next offset. The upsert (not a
 * plain SELECT ... FOR UPDATE) also locks when no row exists yet, so two instances
 * projecting the same partition during a hand-over never run side by side.
 */
export function lockOffset(key: OffsetKey): Statement {
  return {
    sql: `INSERT INTO consumer_offsets (consumer, topic, partition, next_offset, updated_at)
          VALUES ($1, $2, $3, 0, now())
          ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = consumer_offsets.next_offset
          RETURNING next_offset`,
    params: [key.consumer, key.topic, key.partition],
  };
}

export function storeOffset(key: OffsetKey, nextOffset: number): Statement {
  return {
    sql: `UPDATE consumer_offsets SET next_offset = $4, updated_at = now()
          WHERE consumer = $1 AND topic = $2 AND partition = $3`,
    params: [key.consumer, key.topic, key.partition, nextOffset],
  };
}

export function insertConversations(rows: readonly ConversationRow[]): Statement {
  return {
    sql: `INSERT INTO conversations (id, metadata, created_at, updated_at)
          SELECT c.id, c.metadata::jsonb, c.at, c.at
          FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS c(id, metadata, at)
          ON CONFLICT (id) DO NOTHING`,
    params: [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.metadata)), rows.map((r) => r.at)],
  };
}

export function insertMessages(rows: readonly MessageRow[], partition: number): Statement {
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  return {
    sql: `INSERT INTO messages (conversation_id, seq, kind, version, role, parts, metadata, token_count,
                                producer_id, producer_seq, tombstone_reason, event_id, inserted_at,
                                kafka_partition, kafka_offset)
          SELECT m.conversation_id, m.seq, m.kind, m.version, m.role, m.parts::jsonb, m.metadata::jsonb,
                 m.token_count, m.producer_id, m.producer_seq, m.tombstone_reason, m.event_id, m.inserted_at,
                 $14, m.kafka_offset
          FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                      $8::integer[], $9::text[], $10::bigint[], $11::text[], $12::uuid[], $13::timestamptz[],
                      $15::bigint[])
            AS m(conversation_id, seq, kind, version, role, parts, metadata, token_count, producer_id,
                 producer_seq, tombstone_reason, event_id, inserted_at, kafka_offset)
          ON CONFLICT (conversation_id, seq) DO NOTHING
          RETURNING conversation_id, seq, kind, version, inserted_at`,
    params: [
      rows.map((r) => r.conversationId),
      rows.map((r) => r.seq),
      rows.map((r) => r.kind),
      rows.map((r) => r.version),
      rows.map((r) => r.role),
      rows.map((r) => json(r.parts)),
      rows.map((r) => json(r.metadata)),
      rows.map((r) => r.tokenCount),
      rows.map((r) => r.producerId),
      rows.map((r) => r.producerSeq),
      rows.map((r) => r.tombstoneReason),
      rows.map((r) => r.eventId),
      rows.map((r) => r.insertedAt),
      partition,
      rows.map((r) => r.offset),
    ],
  };
}

/** A row of `insertMessages`' RETURNING, as node-postgres hands it back (bigint as string). */
export interface InsertedMessageRow {
  conversation_id: string;
  seq: string;
  kind: MessageKind;
  version: string | null;
  inserted_at: Date;
}

export function toInsertedMessage(row: InsertedMessageRow): InsertedMessage {
  return {
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    kind: row.kind,
    version: row.version === null ? null : Number(row.version),
    insertedAt: row.inserted_at,
  };
}

/** GREATEST ignores NULLs, so a chunk of only tombstones leaves version and last_message_at alone. */
export function updateStats(stats: readonly ConversationStats[]): Statement {
  return {
    sql: `UPDATE conversations AS c SET
            last_seq = GREATEST(c.last_seq, s.last_seq),
            version = GREATEST(c.version, s.version),
            message_count = c.message_count + s.messages,
            tombstone_count = c.tombstone_count + s.tombstones,
            last_message_at = GREATEST(c.last_message_at, s.last_message_at),
            updated_at = GREATEST(c.updated_at, s.updated_at)
          FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::timestamptz[],
                      $7::timestamptz[])
            AS s(id, last_seq, version, messages, tombstones, last_message_at, updated_at)
          WHERE c.id = s.id`,
    params: [
      stats.map((s) => s.id),
      stats.map((s) => s.lastSeq),
      stats.map((s) => s.version),
      stats.map((s) => s.messages),
      stats.map((s) => s.tombstones),
      stats.map((s) => s.lastMessageAt),
      stats.map((s) => s.updatedAt),
    ],
  };
}

/** The first delete wins: a repeated `conversation.deleted` changes nothing. */
export function markDeleted(deletes: readonly DeleteMark[]): Statement {
  return {
    sql: `UPDATE conversations AS c SET tombstoned = true, updated_at = GREATEST(c.updated_at, d.at)
          FROM unnest($1::text[], $2::timestamptz[]) AS d(id, at)
          WHERE c.id = d.id AND NOT c.tombstoned`,
    params: [deletes.map((d) => d.id), deletes.map((d) => d.at)],
  };
}
