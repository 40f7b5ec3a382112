import { conversationIdSchema } from '@threadline/contracts';
import type { ErrorBody } from '@threadline/errors';
import { RunCursors } from '../stream/run-output';
import { StreamRefusalCode } from './error-codes';
import { parseRunCursors } from './run-cursors';

/**
 * What a client asks for: a conversation, the last seq it has (null: live only,
 * from now) and, per run it has events of, the last run_seq it has.
 */
export interface StreamRequest {
  conversationId: string;
  cursor: number | null;
  runCursors: RunCursors;
}

export interface StreamRequestError extends ErrorBody {
  error: StreamRefusalCode;
}

export type StreamRequestResult = { ok: true; request: StreamRequest } | ({ ok: false } & StreamRequestError);

const DIGITS = /^\d{1,16}$/;

/**
 * A cursor is the last seq the client has: an integer >= 0, or a string of
 * digits (query strings, Last-Event-ID). Absent (undefined, or an empty string)
 * means live only.
 */
export function parseCursor(value: unknown): { ok: true; cursor: number | null } | { ok: false; message: string } {
  if (value === undefined || value === '') {
    return { ok: true, cursor: null };
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return { ok: true, cursor: value };
  }
  if (typeof value === 'string' && DIGITS.test(value.trim())) {
    const cursor = Number(value.trim());
    if (Number.isSafeInteger(cursor)) {
      return { ok: true, cursor };
    }
  }
  return { ok: false, message: `cursor must be an integer >= 0 (the last seq received), got ${describe(value)}` };
}

/**
 * A short description of what a client sent. Never JSON.stringify of the whole value:
 * a Phoenix join may carry JSON nested deep enough to overflow the stack.
 */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return value === null || typeof value !== 'object' ? String(value) : 'an object';
}

export function parseStreamRequest(conversationId: string, cursor: unknown, runCursors?: unknown): StreamRequestResult {
  const id = conversationIdSchema.safeParse(conversationId);
  if (!id.success) {
    return { ok: false, error: 'invalid_conversation_id', message: `id: ${id.error.issues[0].message}` };
  }
  const parsed = parseCursor(cursor);
  if (!parsed.ok) {
    return { ok: false, error: 'invalid_cursor', message: parsed.message };
  }
  const runs = parseRunCursors(runCursors);
  if (!runs.ok) {
    return { ok: false, error: 'invalid_cursor', message: runs.message };
  }
  return { ok: true, request: { conversationId: id.data, cursor: parsed.cursor, runCursors: runs.cursors } };
}
