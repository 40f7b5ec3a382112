import type { ConversationEvent, SeqEvent } from '@threadline/contracts';
import type { MessageEntity, MessageRow } from '../entities/message.entity';

/** Whether an archived event occupies a seq (a message or a tombstone). */
export function isArchivedSeqEvent(event: ConversationEvent): event is SeqEvent {
  return event.type === 'message.appended' || event.type === 'message.tombstoned';
}

/** The fields of a messages row that come from a seq event; the projector and the archive reader share it. */
export type MessageFields = Pick<
  MessageEntity,
  | 'kind'
  | 'version'
  | 'role'
  | 'parts'
  | 'metadata'
  | 'tokenCount'
  | 'producerId'
  | 'producerSeq'
  | 'actor'
  | 'tombstoneReason'
>;

export function messageFieldsFromEvent(event: SeqEvent): MessageFields {
  if (event.type === 'message.tombstoned') {
    return {
      kind: 'tombstone',
      version: null,
      role: null,
      parts: null,
      metadata: null,
      tokenCount: null,
      producerId: null,
      producerSeq: null,
      actor: null,
      tombstoneReason: event.data.reason,
    };
  }
  const { message } = event.data;
  return {
    kind: 'message',
    version: event.data.version,
    role: message.role,
    parts: message.parts,
    metadata: message.metadata ?? {},
    tokenCount: message.token_count ?? null,
    producerId: event.data.producer_id,
    producerSeq: event.data.producer_seq,
    actor: event.data.actor,
    tombstoneReason: null,
  };
}

/** The row the projector would hold for a seq event (first event per seq). */
export function toArchivedMessage(event: SeqEvent, partition: number, offset: number): MessageRow {
  return {
    tenantId: event.tenant_id,
    conversationId: event.conversation_id,
    seq: event.seq,
    eventId: event.event_id,
    insertedAt: new Date(event.occurred_at),
    kafkaPartition: partition,
    kafkaOffset: offset,
    ...messageFieldsFromEvent(event),
  };
}
