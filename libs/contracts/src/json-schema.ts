import { z } from 'zod';
import { conversationEventSchema, indexFencedRecordSchema, legacyConversationEventSchema } from './event-envelope';
import { RUN_RECORD_SCHEMA_VERSION, runRecordSchema } from './runs/run-record.schema';

/**
 * The JSON Schema of the topic's record values, as published in docs/events.schema.json:
 * a conversation event of schema_version 2 (what producers write) or 1 (still on
 * the topic from before tenants), or the fence record of a head-index rebuild.
 */
export function conversationEventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://threadline.dev/schemas/conversation-event/v2.json',
    title: 'Threadline conversation topic record (schema_version 2; version 1 still readable)',
    ...z.toJSONSchema(z.union([conversationEventSchema, legacyConversationEventSchema, indexFencedRecordSchema]), {
      target: 'draft-2020-12',
      io: 'output',
    }),
  };
}

/** The JSON Schema of the runs topic's record values, as published in docs/runs.schema.json. */
export function runRecordJsonSchema(): Record<string, unknown> {
  return {
    $id: `https://threadline.dev/schemas/run-record/v${RUN_RECORD_SCHEMA_VERSION}.json`,
    title: `Threadline runs topic record (schema_version ${RUN_RECORD_SCHEMA_VERSION})`,
    ...z.toJSONSchema(runRecordSchema, { target: 'draft-2020-12', io: 'output' }),
  };
}
