import { z } from 'zod';
import { jsonObjectSchema, PARTICIPANT_KINDS, participantsSchema } from '@threadline/contracts';
import type { ErrorCode } from '@threadline/errors';
import { ConversationRecord } from '../head-index/conversation-record';

export const upsertConversationSchema = z.object({
  metadata: jsonObjectSchema.optional(),
  participants: participantsSchema.optional(),
});

export type UpsertConversationDto = z.infer<typeof upsertConversationSchema>;

/** Which error code a validation issue maps to: participants are `bad_request`, the rest `invalid_metadata`. */
export function upsertErrorCode(path: PropertyKey[]): ErrorCode | undefined {
  return path[0] === 'participants' ? 'bad_request' : undefined;
}

/** The conversation record of the public API (FleetLM's shape, plus participants). */
export const conversationViewSchema = z.object({
  id: z.string(),
  version: z.number().int().min(0),
  tombstoned: z.boolean(),
  last_seq: z.number().int().min(0),
  archived_seq: z.number().int().min(0),
  metadata: z.record(z.string(), z.unknown()),
  participants: z
    .array(z.object({ id: z.string(), kind: z.enum(PARTICIPANT_KINDS) }))
    .describe('ordered by id; [] when none'),
  parent: z
    .object({ conversation_id: z.string(), at_seq: z.number().int().min(1) })
    .nullable()
    .describe("a fork's parent and the parent seq its history copies through; null when not a fork"),
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
    participants: record.participants,
    parent: record.parent && { conversation_id: record.parent.conversationId, at_seq: record.parent.atSeq },
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
  };
}
