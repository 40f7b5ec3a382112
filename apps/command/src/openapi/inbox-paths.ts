import { CONVERSATION_ID_MAX_LENGTH, CONVERSATION_ID_PATTERN, PARTICIPANT_ID_PATTERN } from '@threadline/contracts';
import {
  INBOX_DEFAULT_LIMIT,
  INBOX_MAX_LIMIT,
  inboxPageSchema,
  readCursorSchema,
  readCursorViewSchema,
} from '../inbox/inbox.dto';
import { answer, body, denied, error, json } from './openapi-helpers';

/** The read cursor and inbox routes of the OpenAPI document. */
export function inboxPaths(): Record<string, unknown> {
  return {
    '/v1/conversations/{id}/read': {
      put: {
        summary: "Raise the caller's read cursor in the conversation (a lower seq changes nothing)",
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: CONVERSATION_ID_PATTERN.source, maxLength: CONVERSATION_ID_MAX_LENGTH },
          },
        ],
        requestBody: { required: true, content: body('ReadCursor') },
        responses: {
          '200': { description: 'The read cursor in force', content: body('ReadCursorView') },
          '400': error('bad_request (seq: not an integer >= 0, or past the last seq), invalid_json'),
          ...denied('conversations:read'),
          '403': error('forbidden_scope (needs conversations:read), not_a_participant'),
          '404': error('conversation_not_found'),
        },
      },
    },
    '/v1/participants/{id}/inbox': {
      get: {
        summary: "A participant's conversations, newest activity first, with unread counts",
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: PARTICIPANT_ID_PATTERN.source },
          },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: INBOX_MAX_LIMIT, default: INBOX_DEFAULT_LIMIT },
          },
        ],
        responses: {
          '200': { description: 'A page of the inbox', content: body('InboxPage') },
          '400': error('invalid_query, invalid_cursor, bad_request (participant id)'),
          ...denied('conversations:read'),
          '403': error(
            "forbidden_scope (needs conversations:read), forbidden_inbox (another participant's inbox, or a pinned token)",
          ),
        },
      },
    },
  };
}

export function inboxSchemas(): Record<string, unknown> {
  return {
    ReadCursor: json(readCursorSchema),
    ReadCursorView: answer(readCursorViewSchema),
    InboxPage: answer(inboxPageSchema),
  };
}
