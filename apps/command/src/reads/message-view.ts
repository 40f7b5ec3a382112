import { z } from 'zod';
import { MessageRow } from '@threadline/persistence';

/** One entry of a page: a message, or a tombstone standing where a seq was explained away. */
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

/**
 * - strong: the page reflects every append acknowledged before the read began.
 * - eventual: the client asked not to wait.
 * - stale: the projection did not catch up within the wait, or the page stops at a seq not settled yet.
 */
export const consistencySchema = z.enum(['strong', 'eventual', 'stale']);

export type Consistency = z.infer<typeof consistencySchema>;

export const messagePageSchema = z.object({
  messages: z.array(messageViewSchema),
  /** tail: the offset of the next (older) page, null at the beginning; replay: the `from` of the next page. */
  next_cursor: z.number().int().nullable(),
  consistency: consistencySchema,
});

export type MessagePage = z.infer<typeof messagePageSchema>;

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
