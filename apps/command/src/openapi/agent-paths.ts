import { CONVERSATION_ID_MAX_LENGTH, CONVERSATION_ID_PATTERN, PARTICIPANT_ID_PATTERN } from '@threadline/contracts';
import {
  agentListSchema,
  agentViewSchema,
  agentWithSecretViewSchema,
  createAgentSchema,
  updateAgentSchema,
} from '../agents/agent.dto';
import {
  DELIVERY_STATUSES,
  deliveryDetailViewSchema,
  deliveryListSchema,
  deliveryViewSchema,
  replyResultSchema,
  replySchema,
} from '../deliveries/delivery.dto';
import { answer, body, denied, error, json } from './openapi-helpers';

const agentIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: PARTICIPANT_ID_PATTERN.source },
};
const deliveryIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const agentsDenied = denied('agents:manage');
const noAgent = error('not_found (no such agent in the caller’s tenant)');
const noDelivery = error('not_found (no such delivery in the caller’s tenant)');

/** The agents registry and the delivery routes of the OpenAPI document. */
export function agentPaths(): Record<string, unknown> {
  return {
    '/v1/agents': {
      post: {
        summary: 'Register an agent; its signing secret is in this answer only',
        requestBody: { required: true, content: body('CreateAgent') },
        responses: {
          '201': { description: 'The agent and its signing secret', content: body('AgentWithSecret') },
          '400': error('bad_request (names the field), invalid_json'),
          ...agentsDenied,
          '409': error('agent_exists'),
        },
      },
      get: {
        summary: "The tenant's agents, ordered by id",
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'A page of agents', content: body('AgentList') },
          '400': error('invalid_query'),
          ...agentsDenied,
        },
      },
    },
    '/v1/agents/{id}': {
      get: {
        summary: 'Get an agent (never its secret)',
        parameters: [agentIdParam],
        responses: { '200': { description: 'The agent', content: body('Agent') }, ...agentsDenied, '404': noAgent },
      },
      patch: {
        summary: 'Change any field of an agent but its id',
        parameters: [agentIdParam],
        requestBody: { required: true, content: body('UpdateAgent') },
        responses: {
          '200': { description: 'The agent', content: body('Agent') },
          '400': error('bad_request (names the field), invalid_json'),
          ...agentsDenied,
          '404': noAgent,
        },
      },
      delete: {
        summary: 'Disable an agent: its deliveries are kept and no longer attempted',
        parameters: [agentIdParam],
        responses: { '204': { description: 'Disabled' }, ...agentsDenied, '404': noAgent },
      },
    },
    '/v1/agents/{id}/rotate-secret': {
      post: {
        summary: 'A new signing secret, shown once; the old one signs too until previous_secret_expires_at',
        parameters: [agentIdParam],
        responses: {
          '200': { description: 'The agent and its new signing secret', content: body('AgentWithSecret') },
          ...agentsDenied,
          '404': noAgent,
        },
      },
    },
    '/v1/agents/{id}/deliveries': {
      get: {
        summary: "The agent's deliveries, newest first",
        parameters: [
          agentIdParam,
          { name: 'status', in: 'query', schema: { enum: [...DELIVERY_STATUSES] } },
          {
            name: 'conversation_id',
            in: 'query',
            schema: {
              type: 'string',
              pattern: CONVERSATION_ID_PATTERN.source,
              maxLength: CONVERSATION_ID_MAX_LENGTH,
            },
          },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
        ],
        responses: {
          '200': { description: 'A page of deliveries', content: body('DeliveryList') },
          '400': error('invalid_query'),
          ...agentsDenied,
          '404': noAgent,
        },
      },
    },
    '/v1/deliveries/{id}': {
      get: {
        summary: 'A delivery with its messages and every attempt',
        parameters: [deliveryIdParam],
        responses: {
          '200': { description: 'The delivery', content: body('DeliveryDetail') },
          ...agentsDenied,
          '404': noDelivery,
        },
      },
    },
    '/v1/deliveries/{id}/redeliver': {
      post: {
        summary: 'Send a dead or failed delivery again (same id, so the same webhook-id)',
        parameters: [deliveryIdParam],
        responses: {
          '202': { description: 'Pending again', content: body('Delivery') },
          ...agentsDenied,
          '404': noDelivery,
          '409': error('not_redeliverable'),
        },
      },
    },
    '/v1/deliveries/{id}/replies': {
      post: {
        summary:
          "Append an agent's reply to a delivery, as the delivery's agent, exactly once (platform scope deliveries:reply)",
        parameters: [deliveryIdParam],
        requestBody: { required: true, content: body('Reply') },
        responses: {
          '200': {
            description: 'The seq of each message (deduped when posted before)',
            content: body('ReplyResult'),
          },
          '400': error('invalid_message, invalid_metadata, invalid_json'),
          ...denied('deliveries:reply'),
          '404': error('not_found (no such delivery), conversation_not_found'),
          '409': error('producer_replay_conflict (a different reply was already appended for this delivery)'),
          '410': error('conversation_tombstoned'),
          '413': error('message_too_large, payload_too_large'),
          '503': error('kafka_unavailable, kafka_timeout, index_rebuilding, outcome_pending (Retry-After)'),
        },
      },
    },
  };
}

export function agentSchemas(): Record<string, unknown> {
  return {
    CreateAgent: json(createAgentSchema),
    UpdateAgent: json(updateAgentSchema),
    Agent: answer(agentViewSchema),
    AgentWithSecret: answer(agentWithSecretViewSchema),
    AgentList: answer(agentListSchema),
    Delivery: answer(deliveryViewSchema),
    DeliveryDetail: answer(deliveryDetailViewSchema),
    DeliveryList: answer(deliveryListSchema),
    Reply: json(replySchema),
    ReplyResult: answer(replyResultSchema),
  };
}
