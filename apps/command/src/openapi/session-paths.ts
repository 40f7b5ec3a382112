import { CONVERSATION_ID_MAX_LENGTH, CONVERSATION_ID_PATTERN } from '@threadline/contracts';
import { conversationListSchema, sessionListSchema } from '../listing/list-views';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '../listing/list-query';
import {
  appendEventResultSchema,
  appendEventSchema,
  createSessionSchema,
  patchSessionSchema,
  sessionViewSchema,
} from '../sessions/session.dto';
import { answer, body, denied, error, json } from './openapi-helpers';

const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: CONVERSATION_ID_PATTERN.source, maxLength: CONVERSATION_ID_MAX_LENGTH },
};

const listParams = [
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT },
  },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
  { name: 'archived', in: 'query', schema: { enum: ['false', 'true', 'all'], default: 'false' } },
  {
    name: 'metadata',
    in: 'query',
    style: 'deepObject',
    description: '`metadata.KEY=VALUE`: exact match of a top-level string value; several are AND-ed (at most 16)',
    schema: { type: 'object', additionalProperties: { type: 'string' } },
  },
];

const sessionAnswer = { description: 'The session', content: body('Session') };
const writeFailures = {
  '404': error('session_not_found'),
  '410': error('conversation_tombstoned'),
  '503': error('kafka_unavailable, index_rebuilding, index_busy, outcome_unknown (Retry-After)'),
};

/** The session routes (Starcite-compatible) and the conversation listing of the OpenAPI document. */
export function sessionPaths(): Record<string, unknown> {
  return {
    '/v1/sessions': {
      post: {
        summary: 'Create a session (a conversation); 409 session_exists when the id is taken',
        requestBody: { required: false, content: body('CreateSession') },
        responses: {
          '201': sessionAnswer,
          '400': error('invalid_session_id, invalid_metadata, bad_request (title), invalid_json'),
          ...denied('conversations:write'),
          '409': error('session_exists'),
          '503': error('kafka_unavailable, index_rebuilding, outcome_unknown (Retry-After)'),
        },
      },
      get: {
        summary: "The tenant's sessions, oldest first, a keyset page at a time, filtered by metadata and archived",
        parameters: listParams,
        responses: {
          '200': { description: 'A page of sessions', content: body('SessionList') },
          '400': error('invalid_query, invalid_metadata, invalid_cursor'),
          ...denied('conversations:read'),
        },
      },
    },
    '/v1/sessions/{id}': {
      get: {
        summary: 'Get a session',
        parameters: [idParam],
        responses: { '200': sessionAnswer, ...denied('conversations:read'), '404': error('session_not_found') },
      },
      patch: {
        summary: 'Replace the title and merge metadata (shallow), optionally only at expected_version',
        parameters: [idParam],
        requestBody: { required: true, content: body('PatchSession') },
        responses: {
          '200': sessionAnswer,
          '400': error('bad_request, invalid_metadata, invalid_json'),
          ...denied('conversations:write'),
          '409': error('expected_version_conflict (current_version)'),
          ...writeFailures,
        },
      },
    },
    '/v1/sessions/{id}/archive': {
      post: {
        summary: 'Archive a session: hidden from the default listing, still readable and writable',
        parameters: [idParam],
        responses: { '200': sessionAnswer, ...denied('conversations:write'), ...writeFailures },
      },
    },
    '/v1/sessions/{id}/unarchive': {
      post: {
        summary: 'Unarchive a session',
        parameters: [idParam],
        responses: { '200': sessionAnswer, ...denied('conversations:write'), ...writeFailures },
      },
    },
    '/v1/sessions/{id}/append': {
      post: {
        summary: 'Append one event (stored as a message; docs/api.md has the mapping)',
        parameters: [idParam],
        requestBody: { required: true, content: body('AppendEvent') },
        responses: {
          '201': { description: 'Where the event is', content: body('AppendEventResult') },
          '400': error('invalid_event, invalid_metadata, invalid_session_id, invalid_json'),
          ...denied('messages:append'),
          '403': error('forbidden_scope, forbidden_conversation, forbidden_actor (actor is not the caller)'),
          '409': error('expected_seq_conflict (current_seq), producer_replay_conflict'),
          '413': error('message_too_large, payload_too_large'),
          '429': error('rate_limited'),
          ...writeFailures,
        },
      },
    },
    '/v1/conversations': {
      get: {
        summary: "The tenant's conversations, oldest first, a keyset page at a time, filtered by metadata and archived",
        parameters: listParams,
        responses: {
          '200': { description: 'A page of conversations', content: body('ConversationList') },
          '400': error('invalid_query, invalid_metadata, invalid_cursor'),
          ...denied('conversations:read'),
        },
      },
    },
  };
}

export function sessionSchemas(): Record<string, unknown> {
  return {
    CreateSession: json(createSessionSchema),
    PatchSession: json(patchSessionSchema),
    AppendEvent: json(appendEventSchema),
    Session: answer(sessionViewSchema),
    AppendEventResult: answer(appendEventResultSchema),
    SessionList: answer(sessionListSchema),
    ConversationList: answer(conversationListSchema),
  };
}
