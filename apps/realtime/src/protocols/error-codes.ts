/**
 * Every `error` code the realtime service answers an HTTP request or a WebSocket
 * upgrade with, as `{error, message}`. A test (test/docs/error-codes.spec.ts)
 * fails if docs/api.md misses one.
 */
export const REALTIME_ERROR_CODES = [
  'invalid_cursor',
  'invalid_conversation_id',
  'unsupported_vsn',
  'bad_request',
  'not_found',
  'http_error',
  'shutting_down',
  'internal_error',
] as const;

export type RealtimeErrorCode = (typeof REALTIME_ERROR_CODES)[number];

export interface RealtimeErrorBody {
  error: RealtimeErrorCode;
  message: string;
}

/** Every `reason` of a Phoenix `phx_reply` with status `error`. */
export const PHOENIX_REPLY_REASONS = [
  'unmatched topic',
  'unsupported_event',
  'invalid_conversation_id',
  'invalid_cursor',
] as const;

export type PhoenixReplyReason = (typeof PHOENIX_REPLY_REASONS)[number];
