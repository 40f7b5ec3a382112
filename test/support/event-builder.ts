import { randomUUID } from 'node:crypto';
import {
  ConversationCreatedEvent,
  ConversationEvent,
  ConversationDeletedEvent,
  encodeEvent,
  encodeIndexFence,
  EVENT_SCHEMA_VERSION,
  IndexFencedRecord,
  INDEX_FENCED_TYPE,
  MessageAppendedEvent,
  MessageTombstonedEvent,
} from '@threadline/contracts';

type AppendedMessage = MessageAppendedEvent['data']['message'];
type TombstoneReason = MessageTombstonedEvent['data']['reason'];

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
  text: string | AppendedMessage,
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
      message:
        typeof text === 'string'
          ? { role: 'user', parts: [{ type: 'text', text }], metadata: {}, token_count: 1 }
          : text,
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
  reason: TombstoneReason = 'abandoned',
): MessageTombstonedEvent {
  return {
    ...envelope(conversationId, epoch, occurredAt),
    type: 'message.tombstoned',
    seq,
    data: { reason },
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

/** A Kafka message (key, value, headers) carrying the record, as the command or the rebuild's fence writer sends it. */
export function kafkaMessage(record: ConversationEvent | IndexFencedRecord, partition?: number) {
  const { key, value, headers } = record.type === INDEX_FENCED_TYPE ? encodeIndexFence(record) : encodeEvent(record);
  return { key, value, headers, ...(partition === undefined ? {} : { partition }) };
}
