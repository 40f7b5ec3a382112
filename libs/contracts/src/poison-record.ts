import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CONVERSATION_ID_PATTERN } from './conversation-id';
import { DEFAULT_TENANT, TENANT_ID_PATTERN } from './tenant';
import { decodeTopicValue, UndecodableEventError } from './event-codec';
import {
  ConversationEvent,
  EVENT_SCHEMA_VERSION,
  EventType,
  INDEX_FENCED_TYPE,
  IndexFencedRecord,
  MessageTombstonedEvent,
} from './event-envelope';

/** The Kafka record fields the poison rule needs. */
export interface TopicRecord {
  value: Buffer | null;
  /** The record's Kafka timestamp, milliseconds since the epoch, as kafkajs gives it. */
  timestamp: string;
}

/** A record every consumer can apply: an event, or a poison record and what it stands for. */
export type DecodedRecord =
  | { kind: 'event'; event: ConversationEvent }
  | { kind: 'fence'; fence: IndexFencedRecord }
  | {
      kind: 'poison';
      reason: string;
      /**
       * When the record's envelope still names a conversation (its tenant, the
       * default one when absent as in version 1, and its id) and a seq, every
       * consumer settles that seq with this `message.tombstoned {reason:
       * "quarantined"}` so no conversation keeps a hole; else null (nothing to settle).
       */
      standIn: MessageTombstonedEvent | null;
    };

const isoDateTime = z.iso.datetime({ offset: true });
const eventId = z.uuid();

/**
 * The poison rule (docs/events.md), the same in every consumer: a record that
 * does not decode is never retried and never stalls its partition. Deterministic
 * from the record alone, so every consumer makes the same stand-in of it.
 */
export function decodeRecord(record: TopicRecord): DecodedRecord {
  try {
    const decoded = decodeTopicValue(record.value);
    return decoded.type === INDEX_FENCED_TYPE ? { kind: 'fence', fence: decoded } : { kind: 'event', event: decoded };
  } catch (error) {
    if (!(error instanceof UndecodableEventError)) {
      throw error;
    }
    return { kind: 'poison', reason: error.message, standIn: quarantinedStandIn(record) };
  }
}

/**
 * The stand-in tombstone of a poison record: also used for a record that decoded
 * but that a store refused for a reason the decoder did not foresee.
 */
export function quarantinedStandIn(record: TopicRecord): MessageTombstonedEvent | null {
  const envelope = readEnvelope(record.value);
  const conversationId = envelope.conversation_id;
  const seq = envelope.seq;
  const tenantId = envelope.tenant_id ?? DEFAULT_TENANT;
  if (
    typeof tenantId !== 'string' ||
    !TENANT_ID_PATTERN.test(tenantId) ||
    typeof conversationId !== 'string' ||
    !CONVERSATION_ID_PATTERN.test(conversationId) ||
    typeof seq !== 'number' ||
    !Number.isSafeInteger(seq) ||
    seq < 1
  ) {
    return null;
  }
  const epoch = envelope.index_epoch;
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    tenant_id: tenantId,
    type: EventType.MessageTombstoned,
    event_id: eventId.safeParse(envelope.event_id).success ? (envelope.event_id as string) : uuidOf(record.value),
    conversation_id: conversationId,
    occurred_at: isoDateTime.safeParse(envelope.occurred_at).success
      ? (envelope.occurred_at as string)
      : new Date(Number(record.timestamp)).toISOString(),
    ...(typeof epoch === 'number' && Number.isSafeInteger(epoch) && epoch >= 0 ? { index_epoch: epoch } : {}),
    seq,
    data: { reason: 'quarantined' },
  };
}

function readEnvelope(value: Buffer | null): Record<string, unknown> {
  if (value === null) {
    return {};
  }
  try {
    const json: unknown = JSON.parse(value.toString('utf8'));
    return json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A UUID-shaped digest of the bytes: the same stand-in event id in every consumer. */
function uuidOf(value: Buffer | null): string {
  const hex = createHash('sha256')
    .update(value ?? Buffer.alloc(0))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
