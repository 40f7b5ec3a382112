import { conversationIdSchema } from '@threadline/contracts';
import { parseCursor } from '../stream-request';

/** The most events one frame (or one `events` push) carries. */
export const MAX_BATCH_SIZE = 1000;

/** What a tail asks for: a session, the cursor it has (0: from the start) and how many events a frame may carry. */
export interface SessionTailRequest {
  sessionId: string;
  cursor: number;
  batchSize: number;
}

export type SessionTailRefusal = 'invalid_session_id' | 'invalid_cursor' | 'invalid_limit';

export type SessionTailRequestResult =
  { ok: true; request: SessionTailRequest } | { ok: false; error: SessionTailRefusal; message: string };

const DIGITS = /^\d{1,4}$/;

/**
 * `cursor`: the seq of the last event the client has, an integer >= 0; absent
 * means 0, from the start (Starcite's default, unlike the FleetLM stream's live
 * only). `batch_size`: an integer 1..1000, absent 1. Numbers or strings of digits
 * (query strings, a Phoenix join's JSON).
 */
export function parseSessionTailRequest(
  sessionId: string,
  cursor: unknown,
  batchSize: unknown,
): SessionTailRequestResult {
  const id = conversationIdSchema.safeParse(sessionId);
  if (!id.success) {
    return { ok: false, error: 'invalid_session_id', message: `id: ${id.error.issues[0].message}` };
  }
  const parsed = parseCursor(cursor);
  if (!parsed.ok) {
    return { ok: false, error: 'invalid_cursor', message: parsed.message };
  }
  const size = parseBatchSize(batchSize);
  if (size === null) {
    return {
      ok: false,
      error: 'invalid_limit',
      message: `batch_size must be an integer from 1 to ${MAX_BATCH_SIZE}`,
    };
  }
  return { ok: true, request: { sessionId: id.data, cursor: parsed.cursor ?? 0, batchSize: size } };
}

function parseBatchSize(value: unknown): number | null {
  if (value === undefined || value === '') {
    return 1;
  }
  const size =
    typeof value === 'number' ? value : typeof value === 'string' && DIGITS.test(value.trim()) ? Number(value) : NaN;
  return Number.isInteger(size) && size >= 1 && size <= MAX_BATCH_SIZE ? size : null;
}
