import { randomUUID } from 'node:crypto';
import {
  ConversationCreatedEvent,
  ConversationEvent,
  ConversationDeletedEvent,
  ConversationRef,
  ConversationUpdatedEvent,
  DEFAULT_TENANT,
  encodeEvent,
  encodeIndexFence,
  EVENT_SCHEMA_VERSION,
  IndexFencedRecord,
  INDEX_FENCED_TYPE,
  MessageAppendedEvent,
  MessageTombstonedEvent,
  Participant,
  ParticipantsSetEvent,
} from '@threadline/contracts';

type AppendedMessage = MessageAppendedEvent['data']['message'];
type TombstoneReason = MessageTombstonedEvent['data']['reason'];
type HeaderUpdate = ConversationUpdatedEvent['data'];

/**
 * Events built by hand for tests, as the command would produce them: a new
 * event id each, `occurred_at` now unless given, and `index_epoch` only when
 * given (absent = 0). A conversation given by id alone is the default tenant's;
 * a ConversationRef names its tenant. Appends are by the anonymous principal's
 * subject unless an actor is given. Production builds its events in apps/command's event-factory.
 */
export type Conversation = string | ConversationRef;

/** The subject every append has when AUTH_MODE=none. */
export const ANONYMOUS_ACTOR = 'service:anonymous';

function envelope(conversation: Conversation, epoch: number | null, occurredAt: string) {
  const ref =
    typeof conversation === 'string' ? { tenantId: DEFAULT_TENANT, conversationId: conversation } : conversation;
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    tenant_id: ref.tenantId,
    event_id: randomUUID(),
    conversation_id: ref.conversationId,
    occurred_at: occurredAt,
    ...(epoch === null ? {} : { index_epoch: epoch }),
  } as const;
}

const now = () => new Date().toISOString();

export function appendedEvent(
  conversation: Conversation,
  seq: number,
  text: string | AppendedMessage,
  epoch: number | null,
  producer: { id: string; seq: number } | null = null,
  occurredAt = now(),
  actor: string | null = ANONYMOUS_ACTOR,
): MessageAppendedEvent {
  return {
    ...envelope(conversation, epoch, occurredAt),
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
      actor,
    },
  };
}

export function tombstonedEvent(
  conversation: Conversation,
  seq: number,
  epoch: number | null = null,
  occurredAt = now(),
  reason: TombstoneReason = 'abandoned',
): MessageTombstonedEvent {
  return {
    ...envelope(conversation, epoch, occurredAt),
    type: 'message.tombstoned',
    seq,
    data: { reason },
  };
}

export function createdEvent(
  conversation: Conversation,
  metadata: Record<string, unknown> = {},
  occurredAt = now(),
): ConversationCreatedEvent {
  return { ...envelope(conversation, null, occurredAt), type: 'conversation.created', data: { metadata } };
}

/** `conversation.created` naming its first participants, as a PUT with `participants` creates it. */
export function createdWithParticipants(
  conversation: Conversation,
  participants: Participant[],
  epoch: number | null = null,
  occurredAt = now(),
): ConversationCreatedEvent {
  return {
    ...envelope(conversation, epoch, occurredAt),
    type: 'conversation.created',
    data: { metadata: {}, participants },
  };
}

/** `conversation.participants_set`: the whole new list, as a PUT naming other participants publishes it. */
export function participantsSetEvent(
  conversation: Conversation,
  participants: Participant[],
  epoch: number | null = null,
  occurredAt = now(),
): ParticipantsSetEvent {
  return {
    ...envelope(conversation, epoch, occurredAt),
    type: 'conversation.participants_set',
    data: { participants },
  };
}

/** `conversation.updated`: the conversation's whole header after a session PATCH, archive or unarchive. */
export function updatedEvent(
  conversation: Conversation,
  header: HeaderUpdate,
  epoch: number | null = null,
  occurredAt = now(),
): ConversationUpdatedEvent {
  return { ...envelope(conversation, epoch, occurredAt), type: 'conversation.updated', data: header };
}

export function deletedEvent(
  conversation: Conversation,
  lastSeq = 0,
  epoch: number | null = null,
  occurredAt = now(),
): ConversationDeletedEvent {
  return { ...envelope(conversation, epoch, occurredAt), type: 'conversation.deleted', data: { last_seq: lastSeq } };
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

/**
 * The bytes of an event as written before tenants (schema_version 1): no
 * tenant_id and no actor. Decoders read it as the default tenant's, with no actor.
 */
export function legacyEventValue(event: ConversationCreatedEvent | MessageAppendedEvent): Buffer {
  const legacy: Record<string, unknown> = { ...event, schema_version: 1 };
  delete legacy.tenant_id;
  if (event.type === 'message.appended') {
    const data: Record<string, unknown> = { ...event.data };
    delete data.actor;
    legacy.data = data;
  }
  return Buffer.from(JSON.stringify(legacy));
}
