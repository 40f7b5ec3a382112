import { randomUUID } from 'node:crypto';
import {
  ConversationCreatedEvent,
  ConversationDeletedEvent,
  EVENT_SCHEMA_VERSION,
  EventType,
  INDEX_FENCED_TYPE,
  IndexFencedRecord,
  MessageAppendedEvent,
  MessageBody,
  MessageTombstonedEvent,
} from '@threadline/contracts';

/** Every event carries the index epoch it was decided in (docs/events.md rule 6). */
function envelope(conversationId: string, epoch: number) {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    conversation_id: conversationId,
    occurred_at: new Date().toISOString(),
    index_epoch: epoch,
  } as const;
}

export function conversationCreated(
  conversationId: string,
  metadata: Record<string, unknown>,
  epoch: number,
): ConversationCreatedEvent {
  return { ...envelope(conversationId, epoch), type: EventType.ConversationCreated, data: { metadata } };
}

export function messageAppended(
  conversationId: string,
  seq: number,
  message: MessageBody,
  producer: { id: string; seq: number } | null,
  epoch: number,
): MessageAppendedEvent {
  return {
    ...envelope(conversationId, epoch),
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
  epoch: number,
): MessageTombstonedEvent {
  return { ...envelope(conversationId, epoch), type: EventType.MessageTombstoned, seq, data: { reason } };
}

export function conversationDeleted(conversationId: string, lastSeq: number, epoch: number): ConversationDeletedEvent {
  return { ...envelope(conversationId, epoch), type: EventType.ConversationDeleted, data: { last_seq: lastSeq } };
}

export function indexFence(epoch: number): IndexFencedRecord {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    type: INDEX_FENCED_TYPE,
    occurred_at: new Date().toISOString(),
    index_epoch: epoch,
  };
}
