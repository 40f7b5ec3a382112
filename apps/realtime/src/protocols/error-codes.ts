import type { ErrorCode } from '@threadline/errors';

/** Every `reason` of a Phoenix `phx_reply` with status `error`. */
export const PHOENIX_REPLY_REASONS = [
  'unmatched topic',
  'unsupported_event',
  'invalid_conversation_id',
  'invalid_cursor',
  'invalid_session_id',
  'invalid_limit',
  'unauthorized',
  'too_many_subscriptions',
] as const;

export type PhoenixReplyReason = (typeof PHOENIX_REPLY_REASONS)[number];

/** A refusal that is both an `error` code of the HTTP answers and a Phoenix reply reason. */
export type StreamRefusalCode = Extract<ErrorCode, PhoenixReplyReason>;
