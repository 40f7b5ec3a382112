import { randomUUID } from 'node:crypto';
import {
  ConversationCreatedEvent,
  ConversationDeletedEvent,
  ConversationRef,
  ConversationUpdatedEvent,
  CreatorPrincipal,
  EVENT_SCHEMA_VERSION,
  EventType,
  INDEX_FENCED_TYPE,
  IndexFencedRecord,
  MessageAppendedEvent,
  MessageBody,
  MessageTombstonedEvent,
  Participant,
  ParticipantsSetEvent,
} from '@threadline/contracts';

/** Every event names its tenant and carries the index epoch it was decided in (docs/events.md rule 6). */
function envelope(ref: ConversationRef, epoch: number) {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    tenant_id: ref.tenantId,
    event_id: randomUUID(),
    conversation_id: ref.conversationId,
    occurred_at: new Date().toISOString(),
    index_epoch: epoch,
  } as const;
}

/** `participants` only when the create names some, `title` and `creator` only when set (absent = none); `fork` only for a fork. */
export function conversationCreated(
  ref: ConversationRef,
  metadata: Record<string, unknown>,
  participants: Participant[],
  epoch: number,
  header: { title: string | null; creator: CreatorPrincipal | null } = { title: null, creator: null },
  fork?: ConversationCreatedEvent['data']['fork'],
): ConversationCreatedEvent {
  return {
    ...envelope(ref, epoch),
    type: EventType.ConversationCreated,
    data: {
      metadata,
      ...(participants.length > 0 ? { participants } : {}),
      ...(header.title !== null ? { title: header.title } : {}),
      ...(header.creator !== null ? { creator: header.creator } : {}),
      ...(fork ? { fork } : {}),
    },
  };
}

/** The conversation's whole header after an update, at its new header version. */
export function conversationUpdated(
  ref: ConversationRef,
  header: ConversationUpdatedEvent['data'],
  epoch: number,
): ConversationUpdatedEvent {
  return { ...envelope(ref, epoch), type: EventType.ConversationUpdated, data: header };
}

/** The conversation's whole participant list, replacing the one before. */
export function participantsSet(
  ref: ConversationRef,
  participants: Participant[],
  epoch: number,
): ParticipantsSetEvent {
  return { ...envelope(ref, epoch), type: EventType.ParticipantsSet, data: { participants } };
}

/**
 * `actor`: the authenticated subject that appends (never anything the request body
 * says); null only on a fork's copy of a parent message that had none.
 */
export function messageAppended(
  ref: ConversationRef,
  seq: number,
  message: MessageBody,
  producer: { id: string; seq: number } | null,
  actor: string | null,
  epoch: number,
): MessageAppendedEvent {
  return {
    ...envelope(ref, epoch),
    type: EventType.MessageAppended,
    seq,
    data: {
      version: seq,
      message,
      producer_id: producer?.id ?? null,
      producer_seq: producer?.seq ?? null,
      actor,
    },
  };
}

export function messageTombstoned(
  ref: ConversationRef,
  seq: number,
  reason: MessageTombstonedEvent['data']['reason'],
  epoch: number,
): MessageTombstonedEvent {
  return { ...envelope(ref, epoch), type: EventType.MessageTombstoned, seq, data: { reason } };
}

export function conversationDeleted(ref: ConversationRef, lastSeq: number, epoch: number): ConversationDeletedEvent {
  return { ...envelope(ref, epoch), type: EventType.ConversationDeleted, data: { last_seq: lastSeq } };
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
