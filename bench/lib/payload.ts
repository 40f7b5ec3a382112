import { randomUUID } from 'node:crypto';
import { DEFAULT_TENANT, EVENT_SCHEMA_VERSION, EventType, MessageAppendedEvent } from '@threadline/contracts';

/** ~200 bytes of text, the size of a short chat turn. */
export const CHAT_TEXT = 'The quick brown fox jumps over the lazy dog while the agent summarises the ticket. '
  .repeat(3)
  .slice(0, 200);

/** The body of `POST /v1/conversations/{id}/messages` carrying CHAT_TEXT. */
export function chatMessage(metadata?: Record<string, unknown>) {
  return { role: 'user', parts: [{ type: 'text', text: CHAT_TEXT }], ...(metadata ? { metadata } : {}) };
}

/** The event the command produces for `chatMessage(metadata)`: same envelope, same bytes give or take a digit. */
export function chatEvent(
  conversationId: string,
  seq: number,
  metadata: Record<string, unknown> = {},
): MessageAppendedEvent {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    tenant_id: DEFAULT_TENANT,
    event_id: randomUUID(),
    conversation_id: conversationId,
    occurred_at: new Date().toISOString(),
    type: EventType.MessageAppended,
    seq,
    data: {
      version: seq,
      message: {
        role: 'user',
        parts: [{ type: 'text', text: CHAT_TEXT }],
        metadata,
        token_count: Math.ceil(CHAT_TEXT.length / 4),
      },
      producer_id: null,
      actor: 'service:bench',
      producer_seq: null,
    },
  };
}
