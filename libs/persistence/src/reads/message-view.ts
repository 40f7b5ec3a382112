import { z } from 'zod';
import type { MessageRow } from '../entities/message.entity';

/**
 * A message in the public read shape: an entry of a page of `GET /v1/conversations/{id}/messages`, and what a
 * webhook body carries. A message, or a tombstone standing where a seq was explained away.
 */
export const messageViewSchema = z.discriminatedUnion('kind', [
  z.object({
    seq: z.number().int().min(1),
    kind: z.literal('message'),
    version: z.number().int().nullable(),
    role: z.string().nullable(),
    parts: z.array(z.record(z.string(), z.unknown())).nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    token_count: z.number().int().nullable(),
    producer_id: z.string().nullable(),
    producer_seq: z.number().int().nullable(),
    /** The authenticated subject that appended it; null for messages from before tenants. */
    actor: z.string().nullable(),
    inserted_at: z.iso.datetime({ offset: true }),
  }),
  z.object({
    seq: z.number().int().min(1),
    kind: z.literal('tombstone'),
    reason: z.string().nullable(),
    inserted_at: z.iso.datetime({ offset: true }),
  }),
]);

export type MessageView = z.infer<typeof messageViewSchema>;

/** The read shape of a projected row. */
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
    parts: row.parts as Array<Record<string, unknown>> | null,
    metadata: row.metadata,
    token_count: row.tokenCount,
    producer_id: row.producerId,
    producer_seq: row.producerSeq,
    actor: row.actor,
    inserted_at: insertedAt,
  };
}
