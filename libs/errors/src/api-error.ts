import { HttpStatus } from '@nestjs/common';
import { z } from 'zod';

/**
 * Every `error` code a Threadline service can answer with, as `{error, message}`:
 * one union for every service. ApiError takes only these, and a test
 * (test/docs/error-codes.spec.ts) fails if docs/api.md misses one.
 */
export const ERROR_CODES = [
  'invalid_json',
  'invalid_message',
  'invalid_metadata',
  'invalid_if_version',
  'invalid_producer',
  'invalid_conversation_id',
  'invalid_query',
  'bad_request',
  'conversation_not_found',
  'not_found',
  'conflict',
  'agent_exists',
  'unknown_agent',
  'not_redeliverable',
  'producer_replay_conflict',
  'conversation_tombstoned',
  'message_too_large',
  'payload_too_large',
  'unsupported_encoding',
  'http_error',
  'kafka_unavailable',
  'kafka_timeout',
  'index_rebuilding',
  'outcome_pending',
  'outcome_unknown',
  'index_busy',
  'store_unavailable',
  'archive_unavailable',
  'internal_error',
  'invalid_cursor',
  'unsupported_vsn',
  'shutting_down',
  'unauthorized',
  'forbidden_scope',
  'forbidden_conversation',
  'forbidden_inbox',
  'not_a_participant',
  'rate_limited',
  'invalid_run_event',
  'run_not_found',
  'run_finished',
  'run_cancelled',
  'run_busy',
  'run_committing',
  'run_too_large',
  'invalid_session_id',
  'invalid_event',
  'invalid_limit',
  'session_exists',
  'session_not_found',
  'expected_seq_conflict',
  'expected_version_conflict',
  'forbidden_actor',
  'invalid_ui_message_stream',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The body of every error answer; some add fields (`current_version`, `seq`). */
export const errorBodySchema = z
  .object({
    error: z.enum(ERROR_CODES).describe('Machine-readable code'),
    message: z.string().describe('Human-readable, names the field'),
  })
  .catchall(z.unknown());

export type ErrorBody = z.infer<typeof errorBodySchema>;

/**
 * An error a service answers with on purpose: `{error: code, message, ...extra}`,
 * with headers such as `Retry-After` on a 503. Codes are stable and machine-readable
 * (docs/api.md lists them all); ApiExceptionFilter writes it, in every service.
 */
export class ApiError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(code: ErrorCode, message: string): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, code, message);
  }

  static notFound(id: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'conversation_not_found', `Conversation ${id} does not exist`);
  }

  static tombstoned(): ApiError {
    return new ApiError(HttpStatus.GONE, 'conversation_tombstoned', 'Conversation is tombstoned');
  }

  /**
   * Kafka has the event, but the head index was rebuilt before the write could be
   * acknowledged: the event counts only if it landed before the rebuild's fence.
   * A retry with the same producer pair settles it (deduped or appended once).
   */
  static outcomeUnknown(): ApiError {
    return ApiError.unavailable(
      'outcome_unknown',
      'The head index was rebuilt while this write was in flight; it may or may not be stored. Retry with the same producer_id/producer_seq',
      1,
    );
  }

  static unavailable(code: ErrorCode, message: string, retryAfterSeconds: number): ApiError {
    return new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      code,
      message,
      {},
      {
        'Retry-After': String(retryAfterSeconds),
      },
    );
  }
}
