import { randomUUID } from 'node:crypto';
import {
  ConversationCreatedEvent,
  ConversationDeletedEvent,
  EVENT_SCHEMA_VERSION,
  EventType,
  MessageAppendedEvent,
  MessageBody,
  MessageTombstonedEvent,
} from '@threadline/contracts';

function envelope(conversationId: string) {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    conversation_id: conversationId,
    occurred_at: new Date().toISOString(),
  } as const;
}

export function conversationCreated(
  conversationId: string,
  metadata: Record<string, unknown>,
): ConversationCreatedEvent {
  return { ...envelope(conversationId), type: EventType.ConversationCreated, data: { metadata } };
}

export function messageAppended(
  conversationId: string,
  seq: number,
  message: MessageBody,
  producer: { id: string; seq: number } | null,
): MessageAppendedEvent {
  return {
    ...envelope(conversationId),
    type: EventType.MessageAppended,
    seq,
    data: {
      version: seq,
      message,
      producer_id: producer?.id ?? null,
      producer_seq: producer?.seq ?? null,
    },
  };
}

export function messageTombstoned(
  conversationId: string,
  seq: number,
  reason: MessageTombstonedEvent['data']['reason'],
): MessageTombstonedEvent {
  return { ...envelope(conversationId), type: EventType.MessageTombstoned, seq, data: { reason } };
}

export function conversationDeleted(conversationId: string, lastSeq: number): ConversationDeletedEvent {
  return { ...envelope(conversationId), type: EventType.ConversationDeleted, data: { last_seq: lastSeq } };
}
