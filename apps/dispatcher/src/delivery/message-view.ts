import { MessageAppendedEvent } from '@threadline/contracts';
import { MessageRow } from '@threadline/persistence';

/**
 * A message in the public read shape (`GET /v1/conversations/{id}/messages`,
 * apps/command/src/reads/message-view.ts): what a webhook body carries, in
 * `messages` from the event and in `history` from the projection.
 */
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
      actor: string | null;
      inserted_at: string;
    }
  | { seq: number; kind: 'tombstone'; reason: string | null; inserted_at: string };

/** The view of an appended message, as the projection will hold it (its `inserted_at` is the event's time). */
export function viewOfEvent(event: MessageAppendedEvent): MessageView {
  const { message } = event.data;
  return {
    seq: event.seq,
    kind: 'message',
    version: event.data.version,
    role: message.role,
    parts: message.parts,
    metadata: message.metadata ?? {},
    token_count: message.token_count ?? null,
    producer_id: event.data.producer_id,
    producer_seq: event.data.producer_seq,
    actor: event.data.actor,
    inserted_at: event.occurred_at,
  };
}

export function viewOfRow(row: MessageRow): MessageView {
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
    actor: row.actor,
    inserted_at: insertedAt,
  };
}
