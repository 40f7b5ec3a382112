import { MessageRow } from '@threadline/persistence';

/** One entry of a page: a message, or a tombstone standing where a seq was explained away. */
export type MessageView =
  | {
      seq: number;
      kind: 'message';
      version: number | null;
      role: string | null;
      parts: unknown[] | null;
      metadata: Record<string, unknown> | null;
      token_count: number | null;
      producer_id: string | null;
      producer_seq: number | null;
      inserted_at: string;
    }
  | { seq: number; kind: 'tombstone'; reason: string | null; inserted_at: string };

/**
 * - strong: the page reflects every append acknowledged before the read began.
 * - eventual: the client asked not to wait.
 * - stale: the projection did not catch up within the wait; the page may miss recent appends.
 */
export type Consistency = 'strong' | 'eventual' | 'stale';

export interface MessagePage {
  messages: MessageView[];
  /** tail: the offset of the next (older) page, null at the beginning; replay: the `from` of the next page. */
  next_cursor: number | null;
  consistency: Consistency;
}

export function toMessageView(row: MessageRow): MessageView {
  const insertedAt = row.insertedAt.toISOString();
  if (row.kind === 'tombstone') {
    return { seq: row.seq, kind: 'tombstone', reason: row.tombstoneReason, inserted_at: insertedAt };
  }
  return {
    seq: row.seq,
    kind: 'message',
    version: row.version,
    role: row.role,
    parts: row.parts,
    metadata: row.metadata,
    token_count: row.tokenCount,
    producer_id: row.producerId,
    producer_seq: row.producerSeq,
    inserted_at: insertedAt,
  };
}
