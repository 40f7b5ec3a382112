import {
  CONVERSATION_ID_MAX_LENGTH,
  CONVERSATION_ID_PATTERN,
  RUN_ID_PATTERN,
  RUN_STATUSES,
} from '@threadline/contracts';
import { runViewSchema } from '@threadline/persistence';
import {
  RUN_EVENTS_DEFAULT_LIMIT,
  RUN_EVENTS_MAX_LIMIT,
  RUNS_DEFAULT_LIMIT,
  RUNS_MAX_LIMIT,
  runEventPageSchema,
  runPageSchema,
} from '../runs/run-read-query.dto';
import {
  appendedRunEventsViewSchema,
  appendRunEventsSchema,
  committedRunViewSchema,
  endedRunViewSchema,
  failRunSchema,
  startedRunViewSchema,
  startRunSchema,
} from '../runs/run.dto';
import { answer, body, denied, error, json } from './openapi-helpers';

const conversationIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: CONVERSATION_ID_PATTERN.source, maxLength: CONVERSATION_ID_MAX_LENGTH },
};
const runIdParam = {
  name: 'run_id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: RUN_ID_PATTERN.source },
};
const noRun = error('run_not_found (no such run in the caller’s tenant, or a run_id outside its grammar)');
const unavailable = error(
  'kafka_unavailable, kafka_timeout, index_rebuilding, index_busy, outcome_pending (a commit the projector has not caught up with), store_unavailable (Retry-After)',
);
const busy = error('run_finished, run_cancelled, run_busy (Retry-After), run_committing');
const ended = { description: 'The run as it ended', content: body('EndedRun') };
const committed = { description: 'The run, committed: the message it appended', content: body('CommittedRun') };

/** The runs routes of the OpenAPI document (docs/runs.md). */
export function runPaths(): Record<string, unknown> {
  return {
    '/v1/conversations/{id}/runs': {
      post: {
        summary: 'Start a run: an agent reply that streams events, then commits as a message',
        parameters: [conversationIdParam],
        requestBody: { required: false, content: body('StartRun') },
        responses: {
          '201': { description: 'The run, streaming', content: body('StartedRun') },
          '400': error('invalid_metadata, bad_request (names the field), invalid_json'),
          ...denied('runs:write'),
          '404': error('conversation_not_found'),
          '410': error('conversation_tombstoned'),
          '503': unavailable,
        },
      },
      get: {
        summary: "A conversation's runs, oldest first, from the projection",
        parameters: [
          conversationIdParam,
          { name: 'status', in: 'query', schema: { enum: [...RUN_STATUSES] } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: RUNS_MAX_LIMIT, default: RUNS_DEFAULT_LIMIT },
          },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'A page of runs', content: body('RunPage') },
          '400': error('invalid_query, invalid_cursor'),
          ...denied('conversations:read'),
          '404': error('conversation_not_found'),
        },
      },
    },
    '/v1/runs/{run_id}': {
      get: {
        summary: 'A run, from the projection (a run started a few milliseconds ago may not be there yet: 404)',
        parameters: [runIdParam],
        responses: {
          '200': { description: 'The run', content: body('Run') },
          ...denied('conversations:read'),
          '404': noRun,
        },
      },
    },
    '/v1/runs/{run_id}/events': {
      get: {
        summary: "A run's events with run_seq after `after`, in order",
        parameters: [
          runIdParam,
          { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: RUN_EVENTS_MAX_LIMIT, default: RUN_EVENTS_DEFAULT_LIMIT },
          },
        ],
        responses: {
          '200': { description: 'A page of events', content: body('RunEventPage') },
          '400': error('invalid_query'),
          ...denied('conversations:read'),
          '404': noRun,
        },
      },
      post: {
        summary: 'Append a batch of events to a streaming run (idempotent by producer_seq)',
        parameters: [runIdParam],
        requestBody: { required: true, content: body('AppendRunEvents') },
        responses: {
          '201': { description: 'Accepted (or a repeat of an accepted batch)', content: body('AppendedRunEvents') },
          '400': error('invalid_run_event (names the event and the kind), bad_request, invalid_json'),
          ...denied('runs:write'),
          '404': noRun,
          '409': busy,
          '413': error('run_too_large, payload_too_large'),
          '503': unavailable,
        },
      },
    },
    '/v1/runs/{run_id}/stream': {
      post: {
        summary:
          'Pipe an AI SDK UI message stream into a run: chunks become events as they arrive; [DONE] commits, an error chunk fails the run, abort cancels it',
        parameters: [runIdParam],
        requestBody: {
          required: true,
          content: {
            'text/event-stream': { schema: { type: 'string', description: 'data: <UI message chunk JSON> events' } },
          },
        },
        responses: {
          '200': {
            description: 'The commit’s answer, or the run as it ended (failed by an error chunk, cancelled by abort)',
            content: {
              'application/json': {
                schema: {
                  oneOf: [{ $ref: '#/components/schemas/CommittedRun' }, { $ref: '#/components/schemas/EndedRun' }],
                },
              },
            },
          },
          '400': error(
            'invalid_ui_message_stream (the run is failed, or still streaming when the stream just stopped), invalid_run_event',
          ),
          ...denied('runs:write'),
          '404': noRun,
          '409': busy,
          '413': error('payload_too_large (over the stream byte limit; the run is failed), run_too_large'),
          '415': error('unsupported_encoding (a Content-Encoding)'),
          '503': unavailable,
        },
      },
    },
    '/v1/runs/{run_id}/commit': {
      post: {
        summary:
          'Commit a run: its events folded into one assistant message, appended once (a repeat answers the same seq)',
        parameters: [runIdParam],
        responses: {
          '200': committed,
          ...denied('runs:write'),
          '404': noRun,
          '409': error('run_finished, run_cancelled, run_busy (Retry-After)'),
          '413': error('run_too_large'),
          '503': unavailable,
        },
      },
    },
    '/v1/runs/{run_id}/fail': {
      post: {
        summary: 'Fail a streaming run (reason requested)',
        parameters: [runIdParam],
        requestBody: { required: false, content: body('FailRun') },
        responses: {
          '200': ended,
          '400': error('bad_request (names the field), invalid_json'),
          ...denied('runs:write'),
          '404': noRun,
          '409': busy,
          '503': unavailable,
        },
      },
    },
    '/v1/runs/{run_id}/cancel': {
      post: {
        summary: 'Cancel a streaming run, from any client that may write to its conversation',
        parameters: [runIdParam],
        responses: {
          '200': ended,
          ...denied('runs:write or conversations:write'),
          '404': noRun,
          '409': busy,
          '503': unavailable,
        },
      },
    },
  };
}

export function runSchemas(): Record<string, unknown> {
  return {
    StartRun: json(startRunSchema),
    AppendRunEvents: json(appendRunEventsSchema),
    FailRun: json(failRunSchema),
    StartedRun: answer(startedRunViewSchema),
    AppendedRunEvents: answer(appendedRunEventsViewSchema),
    CommittedRun: answer(committedRunViewSchema),
    EndedRun: answer(endedRunViewSchema),
    Run: answer(runViewSchema),
    RunPage: answer(runPageSchema),
    RunEventPage: answer(runEventPageSchema),
  };
}
