import type { SessionEventView } from '@threadline/contracts';
import { SessionLifecycleFrame } from '../../live/session-lifecycle';
import { PhoenixReplyReason } from '../error-codes';
import { PhoenixFrame } from '../phoenix/phoenix-protocol';
import { TailGapFrame } from '../session-tail/session-tail-frames';
import { parseSessionTailRequest, SessionTailRequest } from '../session-tail/session-tail-request';

/** `tail:{session_id}`: the session's events from a cursor, then live. */
export const TAIL_TOPIC_PREFIX = 'tail:';
/** `lifecycle`: the tenant's session lifecycle, for service credentials. */
export const LIFECYCLE_TOPIC = 'lifecycle';

export type TailJoinResult = { ok: true; request: SessionTailRequest } | { ok: false; reason: PhoenixReplyReason };

/** `phx_join` on `tail:{id}` with optional `{cursor, batch_size}` (numbers or digit strings; cursor 0 = the start). */
export function parseTailJoin(topic: string, payload: unknown): TailJoinResult {
  const params = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {};
  const parsed = parseSessionTailRequest(
    topic.slice(TAIL_TOPIC_PREFIX.length),
    'cursor' in params ? params.cursor : undefined,
    'batch_size' in params ? params.batch_size : undefined,
  );
  return parsed.ok ? parsed : { ok: false, reason: parsed.error };
}

const push = (topic: string, joinRef: string | null, event: string, payload: object): PhoenixFrame => ({
  joinRef,
  ref: null,
  topic,
  event,
  payload,
});

/** `events` `{events: [...]}`: always a list, of 1..batch_size events. */
export function eventsFrame(topic: string, joinRef: string | null, events: SessionEventView[]): PhoenixFrame {
  return push(topic, joinRef, 'events', { events });
}

export function gapFrame(topic: string, joinRef: string | null, gap: TailGapFrame): PhoenixFrame {
  return push(topic, joinRef, 'gap', gap);
}

/** A lifecycle frame as a push named by its type (`session.created`, ...), the frame whole as its payload. */
export function lifecyclePush(topic: string, joinRef: string | null, frame: SessionLifecycleFrame): PhoenixFrame {
  return push(topic, joinRef, frame.type, frame);
}
