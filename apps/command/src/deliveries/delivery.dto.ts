import { z } from 'zod';
import { conversationIdSchema, messageBodySchema } from '@threadline/contracts';
import type { ErrorCode } from '@threadline/errors';
import type { DeliveryAttemptEntity, DeliveryEntity } from '@threadline/persistence';
import { appendResultViewSchema } from '../messages/append-message.dto';

export const DELIVERY_STATUSES = ['pending', 'replying', 'succeeded', 'failed', 'dead'] as const;

/** The limits of the delivery routes (docs/api.md, "Deliveries"). */
export const DELIVERY_LIMITS = {
  pageSize: { max: 100, default: 50 },
  replyMessages: 20,
} as const;

/** Keyset position of a page: the last delivery's created_at (µs since the epoch, exact) and id. */
export interface DeliveryCursor {
  createdUs: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeDeliveryCursor(cursor: DeliveryCursor): string {
  return Buffer.from(`${cursor.createdUs}.${cursor.id}`).toString('base64url');
}

const cursorSchema = z.string().transform((value, context): DeliveryCursor => {
  const [createdUs, id] = Buffer.from(value, 'base64url').toString('utf8').split('.');
  if (!/^\d{1,19}$/.test(createdUs ?? '') || !UUID.test(id ?? '')) {
    context.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
    return z.NEVER;
  }
  return { createdUs, id };
});

export const listDeliveriesQuerySchema = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  conversation_id: conversationIdSchema.optional(),
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(DELIVERY_LIMITS.pageSize.max).default(DELIVERY_LIMITS.pageSize.default),
});

export type ListDeliveriesQuery = z.output<typeof listDeliveriesQuerySchema>;

/** Delivery ids are UUIDs; anything else is simply not a delivery. */
export function isDeliveryId(value: string): boolean {
  return UUID.test(value);
}

export const replySchema = z.object({
  messages: z
    .array(messageBodySchema)
    .min(1, 'at least one message')
    .max(DELIVERY_LIMITS.replyMessages, `at most ${DELIVERY_LIMITS.replyMessages} messages`),
});

export type ReplyDto = z.infer<typeof replySchema>;

/** Which error code a reply's validation issue maps to, by the field it is about. */
export function replyErrorCode(path: PropertyKey[]): ErrorCode | undefined {
  return path[0] === 'messages' && path[2] === 'metadata' ? 'invalid_metadata' : undefined;
}

const timestamp = z.iso.datetime({ offset: true });

export const deliveryViewSchema = z.object({
  id: z.uuid().describe('also the webhook-id header of every attempt'),
  agent_id: z.string(),
  conversation_id: z.string(),
  first_seq: z.number().int(),
  last_seq: z.number().int(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  attempts_allowed: z.number().int(),
  next_attempt_at: timestamp,
  last_error: z.string().nullable(),
  reply_appended_at: timestamp.nullable(),
  dead_lettered_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  completed_at: timestamp.nullable(),
});

export type DeliveryView = z.infer<typeof deliveryViewSchema>;

export const deliveryAttemptViewSchema = z.object({
  attempt: z.number().int(),
  started_at: timestamp,
  duration_ms: z.number().int(),
  http_status: z.number().int().nullable(),
  response_excerpt: z.string().nullable(),
  error: z.string().nullable(),
});

export const deliveryDetailViewSchema = deliveryViewSchema.extend({
  messages: z.array(z.unknown()).describe('the delivered messages, in the public read shape'),
  attempt_log: z.array(deliveryAttemptViewSchema).describe('every attempt, oldest first'),
});

export type DeliveryDetailView = z.infer<typeof deliveryDetailViewSchema>;

export const deliveryListSchema = z.object({
  deliveries: z.array(deliveryViewSchema),
  next_cursor: z.string().nullable().describe('the cursor of the next (older) page; null on the last'),
});

export type DeliveryList = z.infer<typeof deliveryListSchema>;

export const replyResultSchema = z.object({
  seqs: z.array(z.number().int().min(1)).describe('the seq of each message, in order'),
  messages: z.array(appendResultViewSchema),
});

export type ReplyResult = z.infer<typeof replyResultSchema>;

export function toDeliveryView(row: DeliveryEntity): DeliveryView {
  return {
    id: row.id,
    agent_id: row.agentId,
    conversation_id: row.conversationId,
    first_seq: row.firstSeq,
    last_seq: row.lastSeq,
    status: row.status,
    attempts: row.attempts,
    attempts_allowed: row.attemptsAllowed,
    next_attempt_at: row.nextAttemptAt.toISOString(),
    last_error: row.lastError,
    reply_appended_at: row.replyAppendedAt?.toISOString() ?? null,
    dead_lettered_at: row.deadLetteredAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    completed_at: row.completedAt?.toISOString() ?? null,
  };
}

export function toDeliveryDetailView(row: DeliveryEntity, attempts: DeliveryAttemptEntity[]): DeliveryDetailView {
  return {
    ...toDeliveryView(row),
    messages: row.messages,
    attempt_log: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: a.startedAt.toISOString(),
      duration_ms: a.durationMs,
      http_status: a.httpStatus,
      response_excerpt: a.responseExcerpt,
      error: a.error,
    })),
  };
}
