import { z } from 'zod';
import { runMetadataSchema } from '@threadline/contracts';
import type { ErrorCode } from '@threadline/errors';

/** `POST /v1/conversations/{id}/runs`. */
export const startRunSchema = z.strictObject({
  metadata: runMetadataSchema.optional(),
  parent_seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type StartRunDto = z.infer<typeof startRunSchema>;

/**
 * `POST /v1/runs/{run_id}/events`. Each event is checked by checkRunEvent in the
 * service so that an unknown kind is named with its index (`events[3].kind`).
 */
export const appendRunEventsSchema = z.strictObject({
  events: z.array(z.unknown()).min(1, 'events must hold at least one event'),
  producer_seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type AppendRunEventsDto = z.infer<typeof appendRunEventsSchema>;

/** `POST /v1/runs/{run_id}/fail`. */
export const failRunSchema = z.strictObject({
  message: z.string().max(4096, 'message must be at most 4096 characters').optional(),
});
export type FailRunDto = z.infer<typeof failRunSchema>;

/** Which error code a validation issue of a run request maps to. */
export function runErrorCode(path: PropertyKey[]): ErrorCode | undefined {
  if (path[0] === 'metadata') {
    return 'invalid_metadata';
  }
  if (path[0] === 'events') {
    return 'invalid_run_event';
  }
  return undefined;
}

/** The answer to a start: the run as it begins. */
export const startedRunViewSchema = z.object({
  run_id: z.string(),
  conversation_id: z.string(),
  status: z.literal('streaming'),
  actor: z.string(),
  parent_seq: z.number().int().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  last_run_seq: z.literal(0),
  created_at: z.string(),
});
export type StartedRunView = z.infer<typeof startedRunViewSchema>;

/** The answer to an events batch: the run_seq of its last event, and whether the batch was a repeat. */
export const appendedRunEventsViewSchema = z.object({
  run_id: z.string(),
  last_run_seq: z.number().int().min(1),
  deduped: z.boolean(),
});
export type AppendedRunEventsView = z.infer<typeof appendedRunEventsViewSchema>;

/** The answer to a commit: the message(s) it appended. */
export const committedRunViewSchema = z.object({
  run_id: z.string(),
  status: z.literal('committed'),
  last_run_seq: z.number().int().min(0),
  messages: z.array(z.object({ seq: z.number().int().min(1) })),
});
export type CommittedRunView = z.infer<typeof committedRunViewSchema>;

/** The answer to a fail or a cancel. */
export const endedRunViewSchema = z.object({
  run_id: z.string(),
  status: z.enum(['failed', 'cancelled']),
  reason: z.string(),
  last_run_seq: z.number().int().min(0),
});
export type EndedRunView = z.infer<typeof endedRunViewSchema>;
