import type { SegmentObject } from './segment-object';

/**
 * Of the given segment objects of `topic`, the keys no index transaction can ever
 * name: no `archive_segments` row has the key, and the consumer's stored next offset
 * of its partition is already past the object's first offset. A segment is indexed
 * only by the transaction that moves `next_offset` from its first offset past it,
 * and `next_offset` never goes back, so such an object stays unreferenced forever.
 * One statement, one snapshot: a segment committed before it is seen as indexed,
 * one committed after it had first offset >= the next offset it read.
 */
export function unreferencedSegments(
  consumer: string,
  topic: string,
  objects: readonly SegmentObject[],
): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT k.key
          FROM unnest($3::text[], $4::integer[], $5::bigint[]) AS k(key, partition, first_offset)
          JOIN consumer_offsets o ON o.consumer = $1 AND o.topic = $2 AND o.partition = k.partition
          WHERE o.next_offset > k.first_offset
            AND NOT EXISTS (SELECT 1 FROM archive_segments s WHERE s.segment_key = k.key)`,
    params: [
      consumer,
      topic,
      objects.map((o) => o.key),
      objects.map((o) => o.partition),
      objects.map((o) => o.firstOffset),
    ],
  };
}
