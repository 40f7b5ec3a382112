/**
 * WebSocket close codes the service uses. 4xxx mirror HTTP statuses:
 * - 1011: the stream failed (e.g. Postgres unreachable); reconnect with your cursor.
 * - 1012: service restart (graceful shutdown); reconnect, to any instance, with your cursor.
 * - 4400: bad request (conversation id or cursor).
 * - 4408: slow consumer: more than CLIENT_BUFFER_BYTES were left unread; reconnect with your cursor.
 * - 4410: the conversation was deleted; everything up to its last seq was delivered.
 */
export const CloseCode = {
  StreamFailed: 1011,
  ServiceRestart: 1012,
  BadRequest: 4400,
  SlowConsumer: 4408,
  ConversationDeleted: 4410,
} as const;

export const CloseReason = {
  StreamFailed: 'stream_failed',
  ServiceRestart: 'service restart',
  SlowConsumer: 'slow_consumer',
  ConversationDeleted: 'conversation_deleted',
} as const;
