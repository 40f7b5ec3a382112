import { z } from 'zod';
import { jsonObjectSchema, messageBodySchema } from './message.schema';

/**
 * The public, versioned contract of the conversation topic. Every app and every
 * downstream consumer reads events through these schemas. Additive changes keep
 * `schema_version`; anything else is a new version (see docs/events.md).
 */
export const EVENT_SCHEMA_VERSION = 1;

export const EventType = {
  ConversationCreated: 'conversation.created',
  MessageAppended: 'message.appended',
  MessageTombstoned: 'message.tombstoned',
  ConversationDeleted: 'conversation.deleted',
} as const;

/** The type of the control record a head-index rebuild writes to every partition (docs/events.md rule 6). */
export const INDEX_FENCED_TYPE = 'index.fenced';

export type EventTypeName = (typeof EventType)[keyof typeof EventType];

export const EventHeader = {
  Type: 'tl-event-type',
  SchemaVersion: 'tl-schema-version',
  ContentType: 'content-type',
} as const;

export const EVENT_CONTENT_TYPE = 'application/json';

const envelopeBase = {
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  event_id: z.uuid(),
  conversation_id: z.string().min(1),
  occurred_at: z.iso.datetime({ offset: true }),
  /**
   * The head-index epoch the event was decided in (absent = 0). A consumer ignores
   * an event whose epoch is below the partition's fence (docs/events.md rule 6).
   */
  index_epoch: z.number().int().min(0).optional(),
};

export const conversationCreatedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.ConversationCreated),
  data: z.object({ metadata: jsonObjectSchema }),
});

export const messageAppendedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.MessageAppended),
  seq: z.number().int().min(1),
  data: z.object({
    version: z.number().int().min(1),
    message: messageBodySchema,
    producer_id: z.string().min(1).nullable(),
    producer_seq: z.number().int().min(1).nullable(),
  }),
});

export const messageTombstonedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.MessageTombstoned),
  seq: z.number().int().min(1),
  data: z.object({
    reason: z.enum(['abandoned', 'index_rebuilt', 'quarantined']),
  }),
});

export const conversationDeletedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.ConversationDeleted),
  data: z.object({ last_seq: z.number().int().min(0) }),
});

export const conversationEventSchema = z.discriminatedUnion('type', [
  conversationCreatedEventSchema,
  messageAppendedEventSchema,
  messageTombstonedEventSchema,
  conversationDeletedEventSchema,
]);

/**
 * Written to every partition when the head index is rebuilt: from this record on,
 * events of an epoch below `index_epoch` are ignored by every consumer, so an
 * append decided against the lost index can never land after the rebuild.
 */
export const indexFencedRecordSchema = z.object({
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  event_id: z.uuid(),
  type: z.literal(INDEX_FENCED_TYPE),
  occurred_at: z.iso.datetime({ offset: true }),
  index_epoch: z.number().int().min(1),
});

export type IndexFencedRecord = z.infer<typeof indexFencedRecordSchema>;

export type ConversationCreatedEvent = z.infer<typeof conversationCreatedEventSchema>;
export type MessageAppendedEvent = z.infer<typeof messageAppendedEventSchema>;
export type MessageTombstonedEvent = z.infer<typeof messageTombstonedEventSchema>;
export type ConversationDeletedEvent = z.infer<typeof conversationDeletedEventSchema>;
export type ConversationEvent = z.infer<typeof conversationEventSchema>;
/** Events that occupy a seq in the conversation's log. */
export type SeqEvent = MessageAppendedEvent | MessageTombstonedEvent;

export function isSeqEvent(event: ConversationEvent): event is SeqEvent {
  return event.type === EventType.MessageAppended || event.type === EventType.MessageTombstoned;
}
