import { randomUUID } from 'node:crypto';
import {
  ConversationCreatedEvent,
  ConversationDeletedEvent,
  EVENT_SCHEMA_VERSION,
  IndexFencedRecord,
  INDEX_FENCED_TYPE,
  MessageAppendedEvent,
  MessageTombstonedEvent,
} from '@threadline/contracts';

/**
 * Events built by hand for tests, as the command would produce them: a new
 * event id each, `occurred_at` now unless given, and `index_epoch` only when
 * given (absent = 0). Production builds its events in apps/command's event-factory.
 */
function envelope(conversationId: string, epoch: number | null, occurredAt: string) {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    conversation_id: conversationId,
    occurred_at: occurredAt,
    ...(epoch === null ? {} : { index_epoch: epoch }),
  } as const;
}

const now = () => new Date().toISOString();

export function appendedEvent(
  conversationId: string,
  seq: number,
  text: string,
  epoch: number | null,
  producer: { id: string; seq: number } | null = null,
  occurredAt = now(),
): MessageAppendedEvent {
  return {
    ...envelope(conversationId, epoch, occurredAt),
    type: 'message.appended',
    seq,
    data: {
      version: seq,
      message: { role: 'user', parts: [{ type: 'text', text }], metadata: {}, token_count: 1 },
      producer_id: producer?.id ?? null,
      producer_seq: producer?.seq ?? null,
    },
  };
}

export function tombstonedEvent(
  conversationId: string,
  seq: number,
  epoch: number | null = null,
  occurredAt = now(),
): MessageTombstonedEvent {
  return {
    ...envelope(conversationId, epoch, occurredAt),
    type: 'message.tombstoned',
    seq,
    data: { reason: 'abandoned' },
  };
}

export function createdEvent(
  conversationId: string,
  metadata: Record<string, unknown> = {},
  occurredAt = now(),
): ConversationCreatedEvent {
  return { ...envelope(conversationId, null, occurredAt), type: 'conversation.created', data: { metadata } };
}

export function deletedEvent(
  conversationId: string,
  lastSeq = 0,
  epoch: number | null = null,
  occurredAt = now(),
): ConversationDeletedEvent {
  return { ...envelope(conversationId, epoch, occurredAt), type: 'conversation.deleted', data: { last_seq: lastSeq } };
}

/** The control record a head-index rebuild writes to every partition. */
export function indexFenced(epoch: number, occurredAt = now()): IndexFencedRecord {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    type: INDEX_FENCED_TYPE,
    occurred_at: occurredAt,
    index_epoch: epoch,
  };
}
