import { CONVERSATION_ID_MAX_LENGTH, CONVERSATION_ID_PATTERN } from '@threadline/contracts';
import { FORK_LIST_MAX_LIMIT, forkListSchema, forkRequestSchema } from '../forks/fork.dto';
import { answer, body, denied, error, json } from './openapi-helpers';

const parentParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The parent conversation',
  schema: { type: 'string', maxLength: CONVERSATION_ID_MAX_LENGTH, pattern: CONVERSATION_ID_PATTERN.source },
};
const noParent = error('conversation_not_found (no such parent in the caller’s tenant)');

/** The fork routes of the OpenAPI document. */
export function forksPaths(): Record<string, unknown> {
  return {
    '/v1/conversations/{id}/fork': {
      post: {
        summary: "Fork the conversation: a new one whose seqs 1..at_seq copy the parent's, then its own appends",
        parameters: [parentParam],
        requestBody: { required: true, content: body('ForkConversation') },
        responses: {
          '201': { description: 'The fork (a retried fork answers the same one)', content: body('Conversation') },
          '400': error(
            "bad_request (at_seq outside 1..the parent's last seq, or above 10,000; names the field), invalid_metadata, invalid_json",
          ),
          ...denied('conversations:write and conversations:read'),
          '404': noParent,
          '409': error('conflict (the id holds a conversation that is not this fork)'),
          '503': error('kafka_unavailable, store_unavailable, index_rebuilding, outcome_unknown (retry the fork)'),
        },
      },
    },
    '/v1/conversations/{id}/forks': {
      get: {
        summary: "The conversation's forks, oldest first",
        parameters: [
          parentParam,
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: FORK_LIST_MAX_LIMIT, default: 50 },
          },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'A page of forks', content: body('ForkList') },
          '400': error('invalid_query, invalid_cursor'),
          ...denied('conversations:read'),
          '404': noParent,
        },
      },
    },
  };
}

export function forksSchemas(): Record<string, unknown> {
  return { ForkConversation: json(forkRequestSchema), ForkList: answer(forkListSchema) };
}
