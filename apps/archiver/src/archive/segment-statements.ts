import type { ConversationRef } from '@threadline/contracts';
import { Statement } from '@threadline/persistence';
import { SegmentPlan, TenantSegment } from './segment-plan';

export function insertSegment(plan: SegmentPlan, segment: TenantSegment, storedBytes: number): Statement {
  return {
    sql: `INSERT INTO archive_segments (tenant_id, topic, partition, first_offset, last_offset, segment_key,
                                        line_count, uncompressed_bytes, stored_bytes, created_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())`,
    params: [
      segment.tenantId,
      plan.topic,
      plan.partition,
      plan.firstOffset,
      plan.lastOffset,
      segment.key,
      segment.lines.length,
      segment.uncompressedBytes,
      storedBytes,
    ],
  };
}

/** The index rows of one tenant's segment: every entry is of that tenant. */
export function insertIndex(plan: SegmentPlan, segment: TenantSegment): Statement {
  const entries = segment.index;
  return {
    sql: `INSERT INTO archive_index (tenant_id, conversation_id, segment_key, first_seq, last_seq, first_line,
                                     last_line, partition, first_offset, last_offset)
          SELECT $10, i.conversation_id, $1, i.first_seq, i.last_seq, i.first_line, i.last_line, $2,
                 i.first_offset, i.last_offset
          FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::integer[], $7::integer[], $8::bigint[],
                      $9::bigint[])
            AS i(conversation_id, first_seq, last_seq, first_line, last_line, first_offset, last_offset)`,
    params: [
      segment.key,
      plan.partition,
      entries.map((e) => e.conversationId),
      entries.map((e) => e.firstSeq),
      entries.map((e) => e.lastSeq),
      entries.map((e) => e.firstLine),
      entries.map((e) => e.lastLine),
      entries.map((e) => e.firstOffset),
      entries.map((e) => e.lastOffset),
      segment.tenantId,
    ],
  };
}

/** Rows looked at per conversation in one pass; a longer unarchived tail advances over several passes. */
const ADVANCE_WINDOW = 100_000;

/**
 * Moves `conversations.archived_seq` up to the longest prefix of seqs the archive
 * provably holds.
 *
 * Why this is correct: the archiver's segments of a partition cover offsets
 * `[0, next_offset)` without gaps (each commit requires the stored offset to be
 * the segment's first offset), and `messages` holds, per seq, the first event in
 * partition order with its offset. So seq s is archived iff its `messages` row
 * has `kafka_offset < next_offset` of its partition. Starting after the current
 * `archived_seq` (rows below it may already be trimmed by retention), the prefix
 * grows while seqs are consecutive and archived. A seq the projector has not
 * written yet stops the prefix: conservative, and a later pass (every segment of
 * the conversation, and the periodic catch-up) picks it up.
 *
 * Only conversations with index rows in this topic are considered (`messages` has no topic column).
 */
export function advanceArchivedSeq(
  consumer: string,
  topic: string,
  conversations: readonly ConversationRef[],
): Statement {
  return {
    sql: `UPDATE conversations AS c SET archived_seq = p.archived_seq
          FROM (
            SELECT c2.tenant_id, c2.id,
                   c2.archived_seq + coalesce(
                     min(m.rn) FILTER (WHERE m.seq <> c2.archived_seq + m.rn
                                          OR o.next_offset IS NULL
                                          OR m.kafka_offset >= o.next_offset) - 1,
                     count(m.rn)) AS archived_seq
            FROM conversations c2
            CROSS JOIN LATERAL (
              SELECT seq, kafka_partition, kafka_offset, row_number() OVER (ORDER BY seq) AS rn
              FROM messages WHERE tenant_id = c2.tenant_id AND conversation_id = c2.id AND seq > c2.archived_seq
              ORDER BY seq LIMIT ${ADVANCE_WINDOW}
            ) m
            LEFT JOIN consumer_offsets o
              ON o.consumer = $1 AND o.topic = $2 AND o.partition = m.kafka_partition
            WHERE (c2.tenant_id, c2.id) IN (SELECT * FROM unnest($3::text[], $4::text[]))
              AND EXISTS (SELECT 1 FROM archive_index ai JOIN archive_segments s ON s.segment_key = ai.segment_key
                          WHERE ai.tenant_id = c2.tenant_id AND ai.conversation_id = c2.id AND s.topic = $2)
            GROUP BY c2.tenant_id, c2.id, c2.archived_seq
            ORDER BY c2.tenant_id, c2.id
          ) p
          WHERE c.tenant_id = p.tenant_id AND c.id = p.id AND p.archived_seq > c.archived_seq`,
    params: [consumer, topic, conversations.map((r) => r.tenantId), conversations.map((r) => r.conversationId)],
  };
}
