import { conversationKey, eventConversation } from './conversation-ref';
import {
  ConversationEvent,
  conversationEventSchema,
  EVENT_CONTENT_TYPE,
  EVENT_SCHEMA_VERSION,
  EventHeader,
  INDEX_FENCED_TYPE,
  IndexFencedRecord,
  indexFencedRecordSchema,
  LEGACY_EVENT_SCHEMA_VERSION,
  legacyConversationEventSchema,
  upgradeLegacyEvent,
} from './event-envelope';
import { findUnstorableJson, formatJsonPath, MAX_EVENT_JSON_NESTING } from './storable-json';

export interface EncodedEvent {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Serializes an event for the topic: keyed by its conversation's key (the bare id
 * for the default tenant, so conversations from before tenants keep their
 * partition), with type and version headers.
 */
export function encodeEvent(event: ConversationEvent): EncodedEvent {
  return {
    key: conversationKey(eventConversation(event)),
    value: Buffer.from(JSON.stringify(event)),
    headers: {
      [EventHeader.Type]: event.type,
      [EventHeader.SchemaVersion]: String(EVENT_SCHEMA_VERSION),
      [EventHeader.ContentType]: EVENT_CONTENT_TYPE,
    },
  };
}

/** The key of fence records; each is written to one explicit partition, so the key only labels it. */
export const INDEX_FENCE_KEY = 'threadline.index-fence';

/** Serializes the fence of a head-index rebuild, for one partition (docs/events.md rule 6). */
export function encodeIndexFence(fence: IndexFencedRecord): EncodedEvent {
  return {
    key: INDEX_FENCE_KEY,
    value: Buffer.from(JSON.stringify(fence)),
    headers: {
      [EventHeader.Type]: fence.type,
      [EventHeader.SchemaVersion]: String(EVENT_SCHEMA_VERSION),
      [EventHeader.ContentType]: EVENT_CONTENT_TYPE,
    },
  };
}

export class UndecodableEventError extends Error {
  constructor(reason: string) {
    super(`undecodable event: ${reason}`);
    this.name = 'UndecodableEventError';
  }
}

/**
 * Parses and validates one record value of the topic. A value that is not JSON,
 * breaks the schema, or holds something no store can keep (findUnstorableJson)
 * is undecodable, the same for every consumer: each applies the poison rule
 * (docs/events.md) to it instead of stalling on it.
 */
export function decodeEvent(value: Buffer | null): ConversationEvent {
  const decoded = decodeTopicValue(value);
  if (decoded.type === INDEX_FENCED_TYPE) {
    throw new UndecodableEventError('an index fence, not a conversation event');
  }
  return decoded;
}

/** Like decodeEvent, but also decodes the fence records of head-index rebuilds. */
export function decodeTopicValue(value: Buffer | null): ConversationEvent | IndexFencedRecord {
  const json = parseStorableJson(value);
  const parsed = recordSchemaOf(json).safeParse(json);
  if (!parsed.success) {
    throw new UndecodableEventError(parsed.error.issues[0].message);
  }
  const record = parsed.data;
  if (record.type === INDEX_FENCED_TYPE || record.schema_version === EVENT_SCHEMA_VERSION) {
    return record;
  }
  return upgradeLegacyEvent(record);
}

/**
 * A record value's JSON, if it is JSON every store can keep (findUnstorableJson);
 * otherwise undecodable, the same for every consumer of either topic.
 */
export function parseStorableJson(value: Buffer | null): unknown {
  if (value === null) {
    throw new UndecodableEventError('empty record value');
  }
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    throw new UndecodableEventError('value is not JSON');
  }
  const unstorable = findUnstorableJson(json, MAX_EVENT_JSON_NESTING);
  if (unstorable) {
    throw new UndecodableEventError(`${formatJsonPath(unstorable.path)}: ${unstorable.reason}`);
  }
  return json;
}

/**
 * The schema a record value is checked against: the fence's, or the event schema
 * of the value's `schema_version` (version 1 events are normalised to version 2
 * by decodeTopicValue, so every consumer sees one shape).
 */
function recordSchemaOf(json: unknown) {
  const fields =
    json !== null && typeof json === 'object' ? (json as { type?: unknown; schema_version?: unknown }) : {};
  if (fields.type === INDEX_FENCED_TYPE) {
    return indexFencedRecordSchema;
  }
  return fields.schema_version === LEGACY_EVENT_SCHEMA_VERSION
    ? legacyConversationEventSchema
    : conversationEventSchema;
}
