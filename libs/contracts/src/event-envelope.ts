import { z } from 'zod';
import { jsonObjectSchema, messageBodySchema } from './message.schema';
import { participantsSchema } from './participant';
import { DEFAULT_TENANT, tenantIdSchema } from './tenant';

/**
 * The public, versioned contract of the conversation topic. Every app and every
 * downstream consumer reads events through these schemas. Additive changes keep
 * `schema_version`; anything else is a new version (see docs/events.md).
 */
export const EVENT_SCHEMA_VERSION = 2;

/** The version before tenants: no `tenant_id`, no `actor`. Still decoded (decodeEvent normalises it to version 2). */
export const LEGACY_EVENT_SCHEMA_VERSION = 1;

export const EventType = {
  ConversationCreated: 'conversation.created',
  MessageAppended: 'message.appended',
  MessageTombstoned: 'message.tombstoned',
  ConversationDeleted: 'conversation.deleted',
  ParticipantsSet: 'conversation.participants_set',
  ConversationUpdated: 'conversation.updated',
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

const commonEnvelope = {
  event_id: z.uuid(),
  /** Never '/': conversationKey joins tenant and id with it. */
  conversation_id: z.string().regex(/^[^/]+$/, 'conversation_id must be non-empty and hold no "/"'),
  occurred_at: z.iso.datetime({ offset: true }),
  /**
   * The head-index epoch the event was decided in (absent = 0). A consumer ignores
   * an event whose epoch is below the partition's fence (docs/events.md rule 6).
   */
  index_epoch: z.number().int().min(0).optional(),
};

const envelopeBase = {
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  /** The tenant the conversation belongs to: conversation ids are a namespace per tenant. */
  tenant_id: tenantIdSchema,
  ...commonEnvelope,
};

const legacyEnvelopeBase = {
  schema_version: z.literal(LEGACY_EVENT_SCHEMA_VERSION),
  ...commonEnvelope,
};

const legacyCreatedData = z.object({ metadata: jsonObjectSchema });
/** Who created a conversation: the tenant and subject of the credential (`type` user, agent or service). */
export const creatorPrincipalSchema = z.object({
  tenant_id: tenantIdSchema,
  id: z.string().min(1),
  type: z.enum(['user', 'agent', 'service']),
});

export type CreatorPrincipal = z.infer<typeof creatorPrincipalSchema>;

/** A conversation title: absent or null = none. */
export const conversationTitleSchema = z.string().max(512, 'title must be at most 512 characters').nullable();

/** `participants`, `title`, `creator` and `fork` are additive (absent = none named at create). */
const createdData = legacyCreatedData.extend({
  participants: participantsSchema.optional(),
  title: conversationTitleSchema.optional(),
  creator: creatorPrincipalSchema.optional(),
  /** Present when the conversation is a fork; its seqs 1..at_seq copy the parent's. */
  fork: z.object({ parent_conversation_id: z.string().min(1), at_seq: z.number().int().min(1) }).optional(),
});
/**
 * The conversation's whole header after an update (a session PATCH, archive or
 * unarchive), and whether it was archived before: `version` counts header changes from 0 at create, so a consumer keeps
 * the update of the highest version and ignores a replayed or older one.
 */
const updatedData = z.object({
  title: conversationTitleSchema,
  metadata: jsonObjectSchema,
  archived: z.boolean(),
  version: z.number().int().min(1),
  /** `archived` before this update (additive; absent in events written before it): tells an archive from a PATCH. */
  previous_archived: z.boolean().optional(),
});
/** The whole list, replacing the one before (no seq: it orders with the conversation's other events by offset). */
const participantsSetData = z.object({ participants: participantsSchema });
const legacyAppendedData = z.object({
  version: z.number().int().min(1),
  message: messageBodySchema,
  producer_id: z.string().min(1).nullable(),
  producer_seq: z.number().int().min(1).nullable(),
});
const appendedData = legacyAppendedData.extend({
  /** The authenticated subject that appended the message (`<type>:<id>`), never taken from the body. */
  actor: z.string().min(1).nullable(),
});
const tombstonedData = z.object({
  reason: z.enum(['abandoned', 'index_rebuilt', 'quarantined']),
});
const deletedData = z.object({ last_seq: z.number().int().min(0) });
const seq = z.number().int().min(1);

export const conversationCreatedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.ConversationCreated),
  data: createdData,
});

export const messageAppendedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.MessageAppended),
  seq,
  data: appendedData,
});

export const messageTombstonedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.MessageTombstoned),
  seq,
  data: tombstonedData,
});

export const conversationDeletedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.ConversationDeleted),
  data: deletedData,
});

export const participantsSetEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.ParticipantsSet),
  data: participantsSetData,
});

export const conversationUpdatedEventSchema = z.object({
  ...envelopeBase,
  type: z.literal(EventType.ConversationUpdated),
  data: updatedData,
});

export const conversationEventSchema = z.discriminatedUnion('type', [
  conversationCreatedEventSchema,
  messageAppendedEventSchema,
  messageTombstonedEventSchema,
  conversationDeletedEventSchema,
  participantsSetEventSchema,
  conversationUpdatedEventSchema,
]);

/** Events of schema_version 1, written before tenants existed: every one belongs to the default tenant. */
export const legacyConversationEventSchema = z.discriminatedUnion('type', [
  z.object({ ...legacyEnvelopeBase, type: z.literal(EventType.ConversationCreated), data: legacyCreatedData }),
  z.object({ ...legacyEnvelopeBase, type: z.literal(EventType.MessageAppended), seq, data: legacyAppendedData }),
  z.object({ ...legacyEnvelopeBase, type: z.literal(EventType.MessageTombstoned), seq, data: tombstonedData }),
  z.object({ ...legacyEnvelopeBase, type: z.literal(EventType.ConversationDeleted), data: deletedData }),
]);

export type LegacyConversationEvent = z.infer<typeof legacyConversationEventSchema>;

/**
 * The version-2 event a version-1 event stands for: the default tenant, and no
 * actor on its appends (nobody was authenticated then).
 */
export function upgradeLegacyEvent(event: LegacyConversationEvent): ConversationEvent {
  const envelope = { schema_version: EVENT_SCHEMA_VERSION, tenant_id: DEFAULT_TENANT } as const;
  return event.type === EventType.MessageAppended
    ? { ...event, ...envelope, data: { ...event.data, actor: null } }
    : { ...event, ...envelope };
}

/**
 * Written to every partition when the head index is rebuilt: from this record on,
 * events of an epoch below `index_epoch` are ignored by every consumer, so an
 * append decided against the lost index can never land after the rebuild.
 */
export const indexFencedRecordSchema = z.object({
  /** Either version: the fence names no conversation, so it has no tenant and is the same in both. */
  schema_version: z.union([z.literal(LEGACY_EVENT_SCHEMA_VERSION), z.literal(EVENT_SCHEMA_VERSION)]),
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
export type ParticipantsSetEvent = z.infer<typeof participantsSetEventSchema>;
export type ConversationUpdatedEvent = z.infer<typeof conversationUpdatedEventSchema>;
export type ConversationEvent = z.infer<typeof conversationEventSchema>;
/** Events that occupy a seq in the conversation's log. */
export type SeqEvent = MessageAppendedEvent | MessageTombstonedEvent;

export function isSeqEvent(event: ConversationEvent): event is SeqEvent {
  return event.type === EventType.MessageAppended || event.type === EventType.MessageTombstoned;
}
