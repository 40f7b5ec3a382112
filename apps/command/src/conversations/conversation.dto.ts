import { z } from 'zod';
import { jsonObjectSchema } from '@threadline/contracts';
import { ConversationRecord } from '../head-index/conversation-record';

export const upsertConversationSchema = z.object({
  metadata: jsonObjectSchema.optional(),
});

export type UpsertConversationDto = z.infer<typeof upsertConversationSchema>;

/** The conversation record of the public API (FleetLM's shape). */
export interface ConversationView {
  id: string;
  version: number;
  tombstoned: boolean;
  last_seq: number;
  archived_seq: number;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export function toConversationView(record: ConversationRecord, archivedSeq: number): ConversationView {
  return {
    id: record.id,
    version: record.version,
    tombstoned: record.tombstoned,
    last_seq: record.version,
    archived_seq: archivedSeq,
    metadata: record.metadata,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
