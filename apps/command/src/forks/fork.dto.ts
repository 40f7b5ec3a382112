import { z } from 'zod';
import { conversationIdSchema, jsonObjectSchema } from '@threadline/contracts';

/** The largest at_seq a fork copies: a fork is one request that produces at_seq events. */
export const FORK_MAX_AT_SEQ = 10_000;

export const forkRequestSchema = z.object({
  at_seq: z
    .number()
    .int('at_seq must be an integer')
    .min(1, 'at_seq must be at least 1')
    .max(FORK_MAX_AT_SEQ, `at_seq must be at most ${FORK_MAX_AT_SEQ} (the most a fork copies)`),
  id: conversationIdSchema.optional(),
  metadata: jsonObjectSchema.optional(),
});

export type ForkRequestDto = z.infer<typeof forkRequestSchema>;

export const FORK_LIST_MAX_LIMIT = 200;

export const forkListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(FORK_LIST_MAX_LIMIT).default(50),
  cursor: z.string().min(1).optional(),
});

export type ForkListQuery = z.infer<typeof forkListQuerySchema>;

export const forkSummarySchema = z.object({
  conversation_id: z.string(),
  at_seq: z.number().int().min(1),
  created_at: z.iso.datetime({ offset: true }),
});

export const forkListSchema = z.object({
  forks: z.array(forkSummarySchema).describe('oldest first'),
  next_cursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last'),
});

export type ForkList = z.infer<typeof forkListSchema>;
