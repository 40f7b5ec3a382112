import { conversationKey, eventConversation } from '../conversation-ref';
import { EncodedEvent, parseStorableJson, UndecodableEventError } from '../event-codec';
import { EVENT_CONTENT_TYPE, EventHeader } from '../event-envelope';
import { RUN_RECORD_SCHEMA_VERSION, RunRecord, runRecordSchema } from './run-record.schema';

/** Serializes a run record for the runs topic, keyed by its conversation's key like the conversation topic. */
export function encodeRunRecord(record: RunRecord): EncodedEvent {
  return {
    key: conversationKey(eventConversation(record)),
    value: Buffer.from(JSON.stringify(record)),
    headers: {
      [EventHeader.Type]: record.type,
      [EventHeader.SchemaVersion]: String(RUN_RECORD_SCHEMA_VERSION),
      [EventHeader.ContentType]: EVENT_CONTENT_TYPE,
    },
  };
}

/**
 * Parses and validates one record value of the runs topic. What is not JSON,
 * breaks the schema or holds what no store can keep is undecodable, the same for
 * every consumer, which skips it (the poison rule of docs/events.md).
 */
export function decodeRunRecord(value: Buffer | null): RunRecord {
  const parsed = runRecordSchema.safeParse(parseStorableJson(value));
  if (!parsed.success) {
    throw new UndecodableEventError(parsed.error.issues[0].message);
  }
  return parsed.data;
}
