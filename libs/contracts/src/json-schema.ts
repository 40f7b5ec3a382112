import { z } from 'zod';
import { conversationEventSchema } from './event-envelope';

/** The JSON Schema of the topic's events, as published in docs/events.schema.json. */
export function conversationEventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://threadline.dev/schemas/conversation-event/v1.json',
    title: 'Threadline conversation event (schema_version 1)',
    ...z.toJSONSchema(conversationEventSchema, { target: 'draft-2020-12', io: 'output' }),
  };
}
