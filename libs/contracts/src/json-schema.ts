import { z } from 'zod';
import { conversationEventSchema, indexFencedRecordSchema } from './event-envelope';

/**
 * The JSON Schema of the topic's record values, as published in docs/events.schema.json:
 * a conversation event, or the fence record of a head-index rebuild.
 */
export function conversationEventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://threadline.dev/schemas/conversation-event/v1.json',
    title: 'Threadline conversation topic record (schema_version 1)',
    ...z.toJSONSchema(z.union([conversationEventSchema, indexFencedRecordSchema]), {
      target: 'draft-2020-12',
      io: 'output',
    }),
  };
}
