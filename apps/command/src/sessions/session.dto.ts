import { z } from 'zod';
import { conversationIdSchema, conversationTitleSchema, jsonObjectSchema } from '@threadline/contracts';
import type { ErrorCode } from '@threadline/errors';
import { ConversationRecord } from '../head-index/conversation-record';
import { PRODUCER_ID_PATTERN } from '../messages/append-message.dto';

export const createSessionSchema = z.object({
  id: conversationIdSchema.optional(),
  title: conversationTitleSchema.optional(),
  metadata: jsonObjectSchema.optional(),
});

export type CreateSessionDto = z.infer<typeof createSessionSchema>;

export const patchSessionSchema = z
  .object({
    title: conversationTitleSchema.optional(),
    metadata: jsonObjectSchema.optional(),
    expected_version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((b) => b.title !== undefined || b.metadata !== undefined, {
    message: 'at least one of title or metadata is required',
    path: ['title'],
  });

export type PatchSessionDto = z.infer<typeof patchSessionSchema>;

/** Header fields are `invalid_metadata` when about metadata, else `bad_request`. */
export function sessionHeaderErrorCode(path: PropertyKey[]): ErrorCode | undefined {
  if (path[0] === 'id') {
    return 'invalid_session_id';
  }
  return path[0] === 'metadata' ? 'invalid_metadata' : undefined;
}

export const appendEventSchema = z.object({
  type: z.string().min(1, 'type must be a non-empty string').max(128, 'type must be at most 128 characters'),
  payload: jsonObjectSchema,
  actor: z.string().min(1).optional(),
  source: z.string().min(1).max(256).optional(),
  metadata: jsonObjectSchema.optional(),
  refs: jsonObjectSchema.optional(),
  idempotency_key: z.string().min(1).max(256).optional(),
  producer_id: z.string().regex(PRODUCER_ID_PATTERN, 'expected 1-128 characters of [A-Za-z0-9._:-]'),
  producer_seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  expected_seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export type AppendEventDto = z.infer<typeof appendEventSchema>;

/** An append's metadata is `invalid_metadata`; every other field `invalid_event` (Starcite's codes). */
export function appendEventErrorCode(path: PropertyKey[]): ErrorCode | undefined {
  return path[0] === 'metadata' ? 'invalid_metadata' : undefined;
}

export const appendEventResultSchema = z.object({
  seq: z.number().int().min(1),
  last_seq: z.number().int().min(1),
  deduped: z.boolean(),
});

export type AppendEventResult = z.infer<typeof appendEventResultSchema>;

/** A session as the Starcite-compatible API shows it: the conversation's header and its head seq. */
export const sessionViewSchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  last_seq: z.number().int().min(0),
  version: z.number().int().min(0).describe('header version: counts PATCH, archive and unarchive; 0 at create'),
  archived: z.boolean(),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
  creator_principal: z
    .object({ tenant_id: z.string(), id: z.string(), type: z.enum(['user', 'agent', 'service']) })
    .nullable()
    .describe('null for a conversation created before sessions existed'),
});

export type SessionView = z.infer<typeof sessionViewSchema>;

export function toSessionView(record: ConversationRecord): SessionView {
  return {
    id: record.ref.conversationId,
    title: record.title,
    metadata: record.metadata,
    last_seq: record.version,
    version: record.headerVersion,
    archived: record.archived,
    created_at: record.createdAt.toISOString(),
    updated_at: record.updatedAt.toISOString(),
    creator_principal: record.creator,
  };
}
