import { z } from 'zod';
import { messageBodySchema } from '@threadline/contracts';
import type { ErrorCode } from '@threadline/errors';

export const PRODUCER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const appendMessageSchema = z
  .object({
    message: messageBodySchema,
    if_version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    producer_id: z.string().regex(PRODUCER_ID_PATTERN, 'expected 1-128 characters of [A-Za-z0-9._:-]').optional(),
    producer_seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((b) => (b.producer_id === undefined) === (b.producer_seq === undefined), {
    message: 'producer_id and producer_seq go together',
    path: ['producer_seq'],
  });

export type AppendMessageDto = z.infer<typeof appendMessageSchema>;

/** Which error code a validation issue maps to, by the field it is about. */
export function appendErrorCode(path: PropertyKey[]): ErrorCode | undefined {
  if (path[0] === 'message' && path[1] === 'metadata') {
    return 'invalid_metadata';
  }
  if (path[0] === 'if_version') {
    return 'invalid_if_version';
  }
  if (path[0] === 'producer_id' || path[0] === 'producer_seq') {
    return 'invalid_producer';
  }
  return undefined;
}

export const appendResultViewSchema = z.object({
  seq: z.number().int().min(1),
  version: z.number().int().min(1),
  token_count: z.number().int().min(0),
  deduped: z.boolean(),
});

export type AppendResultView = z.infer<typeof appendResultViewSchema>;
