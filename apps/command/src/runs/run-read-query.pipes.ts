import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { conversationRunsQuerySchema, runEventsQuerySchema } from './run-read-query.dto';

export const runEventsQueryPipe = new ZodValidationPipe(runEventsQuerySchema, 'invalid_query');

/** A cursor this API did not return is `invalid_cursor`; any other bad parameter `invalid_query`. */
export const conversationRunsQueryPipe = new ZodValidationPipe(conversationRunsQuerySchema, 'invalid_query', (path) =>
  path[0] === 'cursor' ? 'invalid_cursor' : undefined,
);
