/**
 * WebSocket close codes the service uses. 4xxx mirror HTTP statuses:
 * - 1002: a frame that breaks RFC 6455 (unmasked, reserved opcode or bits, bad fragmentation). Sent by ws.
 * - 1003: a binary frame where the protocol takes text only (Phoenix).
 * - 1007: a text frame that is not valid UTF-8. Sent by ws.
 * - 1008: a frame the protocol does not accept (not a Phoenix v2 JSON array), or too many fragments (ws).
 * - 1009: a message over 64 KiB. Sent by ws.
 * - 1011: the stream failed (e.g. Postgres unreachable) or the server hit a bug; reconnect with your cursor.
 * - 1012: service restart (graceful shutdown); reconnect, to any instance, with your cursor.
 * - 4001: the credential expired; reconnect with a fresh one and your cursor.
 * - 4408: slow consumer: more than CLIENT_BUFFER_BYTES were left unread; reconnect with your cursor.
 * - 4410: the conversation was deleted; everything up to its last seq was delivered.
 */
export const CloseCode = {
  UnsupportedData: 1003,
  PolicyViolation: 1008,
  StreamFailed: 1011,
  ServiceRestart: 1012,
  TokenExpired: 4001,
  SlowConsumer: 4408,
  ConversationDeleted: 4410,
} as const;

export const CloseReason = {
  BinaryFrame: 'binary_frame',
  InvalidFrame: 'invalid_frame',
  InternalError: 'internal_error',
  StreamFailed: 'stream_failed',
  ServiceRestart: 'service restart',
  TokenExpired: 'token_expired',
  SlowConsumer: 'slow_consumer',
  ConversationDeleted: 'conversation_deleted',
} as const;
