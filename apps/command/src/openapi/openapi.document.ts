import { CONVERSATION_ID_MAX_LENGTH, CONVERSATION_ID_PATTERN } from '@threadline/contracts';
import { CommandConfig } from '../config/command.config';
import { errorBodySchema } from '@threadline/errors';
import { apiKeyListSchema, createApiKeySchema, createdApiKeyViewSchema } from '../api-keys/api-key.dto';
import { conversationViewSchema, upsertConversationSchema } from '../conversations/conversation.dto';
import { appendMessageSchema, appendResultViewSchema } from '../messages/append-message.dto';
import { messagePageSchema } from '../reads/message-view';
import { overviewViewSchema } from '../overview/overview.dto';
import { agentPaths, agentSchemas } from './agent-paths';
import { forksPaths, forksSchemas } from './forks-paths';
import { inboxPaths, inboxSchemas } from './inbox-paths';
import { sessionPaths, sessionSchemas } from './session-paths';
import { runPaths, runSchemas } from './run-paths';
import { answer, body, denied, error, json } from './openapi-helpers';

/** The OpenAPI 3.1 description of the public REST API, served at /v1/openapi.json. */
export function openApiDocument(config: CommandConfig): Record<string, unknown> {
  const idParam = {
    name: 'id',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: CONVERSATION_ID_PATTERN.source, maxLength: CONVERSATION_ID_MAX_LENGTH },
  };
  const readParams = (first: 'offset' | 'from') => [
    idParam,
    { name: first, in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
    {
      name: 'limit',
      in: 'query',
      schema: { type: 'integer', minimum: 1, maximum: config.reads.maxLimit, default: 100 },
    },
    { name: 'consistency', in: 'query', schema: { enum: ['strong', 'eventual'], default: 'strong' } },
  ];
  const page = { description: 'A page of messages', content: body('MessagePage') };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Threadline',
      version: '1.0.0',
      description: 'Durable, ordered, replayable conversation logs for AI agents (FleetLM-compatible).',
    },
    paths: {
      '/v1/conversations/{id}': {
        put: {
          summary:
            'Create a conversation, or return the existing one with its metadata unchanged and its participants replaced when given',
          parameters: [idParam],
          requestBody: { required: false, content: body('UpsertConversation') },
          responses: {
            '200': { description: 'The conversation', content: body('Conversation') },
            '400': error(
              'invalid_conversation_id, invalid_metadata, invalid_json, bad_request (participants), unknown_agent',
            ),
            ...denied('conversations:write'),
            '410': error('conversation_tombstoned (a participants change of a deleted conversation)'),
            '503': error('kafka_unavailable, index_rebuilding, index_busy, outcome_unknown (Retry-After)'),
          },
        },
        get: {
          summary: 'Get a conversation',
          parameters: [idParam],
          responses: {
            '200': { description: 'The conversation', content: body('Conversation') },
            ...denied('conversations:read'),
            '404': error('conversation_not_found'),
          },
        },
        delete: {
          summary: 'Tombstone a conversation (messages stay readable; appends get 410)',
          parameters: [idParam],
          responses: {
            '204': { description: 'Tombstoned' },
            ...denied('conversations:write'),
            '404': error('conversation_not_found'),
          },
        },
      },
      '/v1/conversations/{id}/messages': {
        post: {
          summary: 'Append a message',
          parameters: [idParam],
          requestBody: { required: true, content: body('AppendMessage') },
          responses: {
            '201': { description: 'Durably appended (or deduped)', content: body('AppendResult') },
            '400': error('invalid_message, invalid_metadata, invalid_if_version, invalid_producer, invalid_json'),
            ...denied('messages:append'),
            '404': error('conversation_not_found'),
            '409': error('conflict (with current_version), producer_replay_conflict'),
            '410': error('conversation_tombstoned'),
            '413': error('message_too_large, payload_too_large'),
            '503': error('kafka_unavailable, kafka_timeout, index_rebuilding, outcome_pending (Retry-After)'),
          },
        },
        get: {
          summary: 'Replay from seq `from` (inclusive), ascending',
          parameters: readParams('from'),
          responses: {
            '200': page,
            '400': error('invalid_query'),
            ...denied('conversations:read'),
            '404': error('conversation_not_found'),
          },
        },
      },
      '/v1/conversations/{id}/tail': {
        get: {
          summary: 'The newest messages, `offset` counted back from the newest, each page in chronological order',
          parameters: readParams('offset'),
          responses: {
            '200': page,
            '400': error('invalid_query'),
            ...denied('conversations:read'),
            '404': error('conversation_not_found'),
          },
        },
      },
      ...forksPaths(),
      ...agentPaths(),
      ...inboxPaths(),
      ...sessionPaths(),
      ...runPaths(),
      '/v1/admin/api-keys': {
        post: {
          summary: 'Create an API key; the key is in this answer only',
          requestBody: { required: true, content: body('CreateApiKey') },
          responses: {
            '201': { description: 'The key, shown once', content: body('CreatedApiKey') },
            '400': error('bad_request (names the field), invalid_json'),
            ...denied('admin'),
          },
        },
        get: {
          summary: "A tenant's API keys (never the key itself)",
          parameters: [{ name: 'tenant_id', in: 'query', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The keys, oldest first', content: body('ApiKeyList') },
            '400': error('invalid_query'),
            ...denied('admin'),
          },
        },
      },
      '/v1/admin/overview': {
        get: {
          summary: "Platform-wide numbers from the services' own metrics (the console's Overview)",
          responses: {
            '200': { description: 'Counters since each service started, gauges now', content: body('Overview') },
            ...denied('admin'),
          },
        },
      },
      '/v1/admin/api-keys/{id}': {
        delete: {
          summary: 'Revoke an API key (again: no change); every instance refuses it within AUTH_KEY_CACHE_MS',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '204': { description: 'Revoked' }, ...denied('admin'), '404': error('not_found') },
        },
      },
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (tl_...) or a JWT of the configured identity provider (docs/security.md)',
        },
      },
      schemas: {
        UpsertConversation: json(upsertConversationSchema),
        AppendMessage: json(appendMessageSchema),
        Overview: json(overviewViewSchema),
        Conversation: answer(conversationViewSchema),
        AppendResult: answer(appendResultViewSchema),
        MessagePage: answer(messagePageSchema),
        CreateApiKey: json(createApiKeySchema),
        CreatedApiKey: answer(createdApiKeyViewSchema),
        ApiKeyList: answer(apiKeyListSchema),
        ...forksSchemas(),
        ...agentSchemas(),
        ...inboxSchemas(),
        ...sessionSchemas(),
        ...runSchemas(),
        Error: answer(errorBodySchema),
      },
    },
  };
}
