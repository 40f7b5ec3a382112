import { z } from 'zod';
import { jsonObjectSchema } from '@threadline/contracts';
import { ConversationRecord } from '../head-index/conversation-record';

export const upsertConversationSchema = z.object({
  metadata: jsonObjectSchema.optional(),
});

export type UpsertConversationDto = z.infer<typeof upsertConversationSchema>;

/** The conversation record of the public API (FleetLM's shape). */
export const conversationViewSchema = z.object({
  id: z.string(),
  version: z.number().int().min(0),
  tombstoned: z.boolean(),
  last_seq: z.number().int().min(0),
  archived_seq: z.number().int().min(0),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
});

export type ConversationView = z.infer<typeof conversationViewSchema>;

export function toConversationView(record: ConversationRecord, archivedSeq: number): ConversationView {
  return {
    id: record.ref.conversationId,
    version: record.version,
    tombstoned: record.tombstoned,
    last_seq: record.version,
    archived_seq: archivedSeq,
    metadata: record.metadata,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
