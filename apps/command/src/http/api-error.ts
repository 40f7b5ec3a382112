import { HttpStatus } from '@nestjs/common';

/**
 * An error the API answers with on purpose: `{error: code, message, ...extra}`.
 * Codes are stable and machine-readable (docs/api.md lists them all).
 */
export class ApiError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(code: string, message: string): ApiError {
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

  static unavailable(code: string, message: string, retryAfterSeconds: number): ApiError {
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
