import { messageRowContentHash, OffsetKey, Statement } from '@threadline/persistence';
import { ConversationRow, DeleteMark, HeaderUpdate, MessageRow, ParticipantsChange, PoisonRecord } from './batch-plan';

/** A conversation row `insertConversations` created (not one that existed). */
export interface CreatedConversation {
  tenant_id: string;
  id: string;
}

/*
 * The SQL of one projection transaction (with lockOffset/storeOffset from
 * @threadline/persistence). Every statement is multi-row: rows go in as one array
 * per column and come out of `unnest`, so a chunk costs the same handful of round
 * trips whatever its size.
 */
export function insertConversations(rows: readonly ConversationRow[]): Statement {
  return {
    sql: `INSERT INTO conversations (tenant_id, id, metadata, title, creator, created_at, updated_at,
                                     parent_conversation_id, forked_at_seq)
          SELECT c.tenant_id, c.id, c.metadata::jsonb, c.title, c.creator::jsonb, c.at, c.at, c.parent_id, c.forked_at
          FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
                      $8::bigint[])
            AS c(tenant_id, id, metadata, at, title, creator, parent_id, forked_at)
          ON CONFLICT (tenant_id, id) DO NOTHING
          RETURNING tenant_id, id`,
    params: [
      rows.map((r) => r.tenantId),
      rows.map((r) => r.id),
      rows.map((r) => JSON.stringify(r.metadata)),
      rows.map((r) => r.at),
      rows.map((r) => r.title),
      rows.map((r) => (r.creator === null ? null : JSON.stringify(r.creator))),
      rows.map((r) => r.fork?.parentConversationId ?? null),
      rows.map((r) => r.fork?.atSeq ?? null),
    ],
  };
}

/**
 * Inserts the chunk's seq rows (the first event per seq wins: ON CONFLICT DO
 * NOTHING) and, in the same statement, folds what was actually inserted into the
 * conversations' stats, so a replayed or duplicate event never counts twice.
 * GREATEST ignores NULLs, so a chunk of only tombstones leaves version and
 * last_message_at alone. The producer pair of every message row that won its seq
 * (what the INSERT returns) is kept in producer_pairs with its content hash.
 */
export function insertMessagesWithStats(rows: readonly MessageRow[], partition: number): Statement {
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  return {
    sql: `WITH input AS (
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[],
                                 $7::text[], $8::integer[], $9::text[], $10::bigint[], $11::text[], $12::uuid[],
                                 $13::timestamptz[], $15::bigint[], $16::text[], $17::text[], $18::text[])
              AS m(conversation_id, seq, kind, version, role, parts, metadata, token_count, producer_id,
                   producer_seq, tombstone_reason, event_id, inserted_at, kafka_offset, content_hash, tenant_id,
                   actor)
          ), inserted AS (
            INSERT INTO messages (tenant_id, conversation_id, seq, kind, version, role, parts, metadata, token_count,
                                  producer_id, producer_seq, actor, tombstone_reason, event_id, inserted_at,
                                  kafka_partition, kafka_offset)
            SELECT m.tenant_id, m.conversation_id, m.seq, m.kind, m.version, m.role, m.parts::jsonb,
                   m.metadata::jsonb, m.token_count, m.producer_id, m.producer_seq, m.actor, m.tombstone_reason,
                   m.event_id, m.inserted_at, $14, m.kafka_offset
            FROM input AS m
            ON CONFLICT (tenant_id, conversation_id, seq) DO NOTHING
            RETURNING tenant_id, conversation_id, seq, kind, version, inserted_at, producer_id, producer_seq
          ), pairs AS (
            INSERT INTO producer_pairs (tenant_id, conversation_id, producer_id, producer_seq, seq, content_hash)
            SELECT i.tenant_id, i.conversation_id, i.producer_id, i.producer_seq, i.seq, m.content_hash
            FROM inserted AS i
            JOIN input AS m ON m.tenant_id = i.tenant_id AND m.conversation_id = i.conversation_id AND m.seq = i.seq
            WHERE i.kind = 'message' AND i.producer_id IS NOT NULL
            ON CONFLICT (tenant_id, conversation_id, producer_id, producer_seq) DO NOTHING
          ), stats AS (
            SELECT tenant_id, conversation_id AS id,
                   max(seq) AS last_seq,
                   max(version) FILTER (WHERE kind = 'message') AS version,
                   count(*) FILTER (WHERE kind = 'message') AS messages,
                   count(*) FILTER (WHERE kind = 'tombstone') AS tombstones,
                   max(inserted_at) FILTER (WHERE kind = 'message') AS last_message_at,
                   max(inserted_at) AS updated_at
            FROM inserted
            GROUP BY tenant_id, conversation_id
          )
          UPDATE conversations AS c SET
            last_seq = GREATEST(c.last_seq, s.last_seq),
            version = GREATEST(c.version, s.version),
            message_count = c.message_count + s.messages,
            tombstone_count = c.tombstone_count + s.tombstones,
            last_message_at = GREATEST(c.last_message_at, s.last_message_at),
            updated_at = GREATEST(c.updated_at, s.updated_at)
          FROM stats AS s
          WHERE c.tenant_id = s.tenant_id AND c.id = s.id`,
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
      rows.map((r) => (r.kind === 'message' && r.producerId !== null ? messageRowContentHash(r) : null)),
      rows.map((r) => r.tenantId),
      rows.map((r) => r.actor),
    ],
  };
}

/**
 * Replaces each named conversation's participant list with the given one: rows
 * not in the new list are deleted, the others inserted or given their new kind
 * (a participant that stays keeps its `added_at`). The DELETE and the INSERT touch
 * disjoint rows, so both run from the statement's one snapshot.
 */
export function replaceParticipants(changes: readonly ParticipantsChange[]): Statement {
  const rows = changes.flatMap((change) => change.participants.map((participant) => ({ change, participant })));
  return {
    sql: `WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
              AS p(tenant_id, conversation_id, participant_id, kind, at)
          ), removed AS (
            DELETE FROM conversation_participants AS cp
            USING unnest($6::text[], $7::text[]) AS t(tenant_id, conversation_id)
            WHERE cp.tenant_id = t.tenant_id AND cp.conversation_id = t.conversation_id
              AND NOT EXISTS (SELECT 1 FROM input AS i
                              WHERE i.tenant_id = cp.tenant_id AND i.conversation_id = cp.conversation_id
                                AND i.participant_id = cp.participant_id)
          )
          INSERT INTO conversation_participants (tenant_id, conversation_id, participant_id, kind, added_at)
          SELECT tenant_id, conversation_id, participant_id, kind, at FROM input
          ON CONFLICT (tenant_id, conversation_id, participant_id) DO UPDATE SET kind = EXCLUDED.kind`,
    params: [
      rows.map((r) => r.change.tenantId),
      rows.map((r) => r.change.conversationId),
      rows.map((r) => r.participant.id),
      rows.map((r) => r.participant.kind),
      rows.map((r) => r.change.at),
      changes.map((c) => c.tenantId),
      changes.map((c) => c.conversationId),
    ],
  };
}

/** A header update applies only above the stored header_version: a replayed or older one changes nothing. */
export function applyHeaderUpdates(updates: readonly HeaderUpdate[]): Statement {
  return {
    sql: `UPDATE conversations AS c SET title = u.title, metadata = u.metadata::jsonb, archived = u.archived,
            header_version = u.version, updated_at = GREATEST(c.updated_at, u.at)
          FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::bigint[], $7::timestamptz[])
            AS u(tenant_id, id, title, metadata, archived, version, at)
          WHERE c.tenant_id = u.tenant_id AND c.id = u.id AND c.header_version < u.version`,
    params: [
      updates.map((u) => u.tenantId),
      updates.map((u) => u.id),
      updates.map((u) => u.title),
      updates.map((u) => JSON.stringify(u.metadata)),
      updates.map((u) => u.archived),
      updates.map((u) => u.version),
      updates.map((u) => u.at),
    ],
  };
}

/** The first delete wins: a repeated `conversation.deleted` changes nothing. */
export function markDeleted(deletes: readonly DeleteMark[]): Statement {
  return {
    sql: `UPDATE conversations AS c SET tombstoned = true, updated_at = GREATEST(c.updated_at, d.at)
          FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS d(tenant_id, id, at)
          WHERE c.tenant_id = d.tenant_id AND c.id = d.id AND NOT c.tombstoned`,
    params: [deletes.map((d) => d.tenantId), deletes.map((d) => d.id), deletes.map((d) => d.at)],
  };
}

/** Keeps poison records with their raw bytes (the poison rule); a replayed offset is kept once. */
export function insertQuarantined(records: readonly PoisonRecord[], key: OffsetKey): Statement {
  return {
    sql: `INSERT INTO quarantined_records (consumer, topic, partition, kafka_offset, record_key, record_value, reason,
                                           tenant_id, conversation_id, seq)
          SELECT $1, $2, $3, q.kafka_offset, q.record_key, q.record_value, q.reason, q.tenant_id, q.conversation_id,
                 q.seq
          FROM unnest($4::bigint[], $5::bytea[], $6::bytea[], $7::text[], $8::text[], $9::text[], $10::bigint[])
            AS q(kafka_offset, record_key, record_value, reason, tenant_id, conversation_id, seq)
          ON CONFLICT (consumer, topic, partition, kafka_offset) DO NOTHING`,
    params: [
      key.consumer,
      key.topic,
      key.partition,
      records.map((r) => r.offset),
      records.map((r) => r.key),
      records.map((r) => r.value),
      records.map((r) => r.reason),
      records.map((r) => r.tenantId),
      records.map((r) => r.conversationId),
      records.map((r) => r.seq),
    ],
  };
}
