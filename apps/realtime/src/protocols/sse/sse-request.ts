import { parseSseEventId } from '../run-cursors';
import { parseStreamRequest, StreamRequestResult } from '../stream-request';

/**
 * The SSE stream's request: from Last-Event-ID when a reconnecting EventSource
 * sends one (it names both the message cursor and the run cursors), else from
 * `?cursor=` and `?run_cursors=`. A malformed one is refused (400 invalid_cursor).
 */
export function parseSseRequest(
  conversationId: string,
  lastEventId: string | undefined,
  cursor: unknown,
  runCursors: unknown,
): StreamRequestResult {
  if (lastEventId === undefined || lastEventId === '') {
    return parseStreamRequest(conversationId, cursor, runCursors);
  }
  const id = parseSseEventId(lastEventId);
  if (!id.ok) {
    const request = parseStreamRequest(conversationId, undefined);
    return request.ok ? { ok: false, error: 'invalid_cursor', message: id.message } : request;
  }
  return parseStreamRequest(conversationId, id.cursor, Object.fromEntries(id.runCursors));
}
