import type { InboxEntry } from '@threadline/persistence';
import { SubscriberOutput } from '../../stream/run-output';
import { runStatusJson } from '../plain-ws/plain-ws-frames';
import { PhoenixReplyReason } from '../error-codes';
import { parseStreamRequest, StreamRequest } from '../stream-request';

/**
 * Phoenix Channels, JSON serializer v2 (`vsn=2.0.0`): every frame is the array
 * `[join_ref, ref, topic, event, payload]`. Only what the `phoenix` npm client
 * and FleetLM's conversation channel use is implemented.
 */
export const PHOENIX_VSN = '2.0.0';
export const TOPIC_PREFIX = 'conversation:';
/** `inbox:{participant_id}`: the participant's inbox deltas. */
export const INBOX_TOPIC_PREFIX = 'inbox:';

export const PhoenixEvent = {
  Join: 'phx_join',
  Leave: 'phx_leave',
  Reply: 'phx_reply',
  Close: 'phx_close',
  Error: 'phx_error',
  Heartbeat: 'heartbeat',
} as const;

export const HEARTBEAT_TOPIC = 'phoenix';

export interface PhoenixFrame {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

const refOf = (value: unknown): string | null | undefined =>
  value === null ? null : typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/** Parses one text frame; null when it is not a v2 frame. */
export function decodeFrame(text: string): PhoenixFrame | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(json) || json.length !== 5) {
    return null;
  }
  const [joinRef, ref, topic, event, payload] = json as unknown[];
  const join = refOf(joinRef);
  const own = refOf(ref);
  if (join === undefined || own === undefined || typeof topic !== 'string' || typeof event !== 'string') {
    return null;
  }
  return { joinRef: join, ref: own, topic, event, payload };
}

export function encodeFrame(frame: PhoenixFrame): string {
  return JSON.stringify([frame.joinRef, frame.ref, frame.topic, frame.event, frame.payload]);
}

/** The reply to a client push: `phx_reply` with the push's refs. */
export function replyFrame(
  to: PhoenixFrame,
  status: 'ok' | 'error',
  response: Record<string, unknown> = {},
): PhoenixFrame {
  return {
    joinRef: to.joinRef,
    ref: to.ref,
    topic: to.topic,
    event: PhoenixEvent.Reply,
    payload: { status, response },
  };
}

/** The server ends a channel: `phx_close` (normal) or `phx_error` (the client rejoins), ref = join_ref. */
export function channelEndFrame(topic: string, joinRef: string | null, event: 'phx_close' | 'phx_error'): PhoenixFrame {
  return { joinRef, ref: joinRef, topic, event, payload: {} };
}

export type JoinResult = { ok: true; request: StreamRequest } | { ok: false; reason: PhoenixReplyReason };

/**
 * `phx_join` on `conversation:{id}` with an optional `{cursor}` (absent: live
 * only, like FleetLM) and optional `{run_cursors: {run_id: n}}`.
 */
export function parseJoin(topic: string, payload: unknown): JoinResult {
  if (!topic.startsWith(TOPIC_PREFIX)) {
    return { ok: false, reason: 'unmatched topic' };
  }
  const params = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : {};
  const cursor = 'cursor' in params ? params.cursor : undefined;
  const runCursors = 'run_cursors' in params ? params.run_cursors : undefined;
  const parsed = parseStreamRequest(topic.slice(TOPIC_PREFIX.length), cursor, runCursors);
  if (!parsed.ok) {
    return { ok: false, reason: parsed.error };
  }
  // A join's JSON carries the run cursors as an object; the text forms are for query strings.
  return typeof runCursors === 'string' && runCursors !== ''
    ? { ok: false, reason: 'invalid_cursor' }
    : { ok: true, request: parsed.request };
}

/** A stream output as a server push on the channel (event name = payload type, FleetLM's convention). */
export function pushFrame(topic: string, joinRef: string | null, output: SubscriberOutput): PhoenixFrame {
  const push = (event: string, payload: Record<string, unknown>): PhoenixFrame => ({
    joinRef,
    ref: null,
    topic,
    event,
    payload,
  });
  switch (output.kind) {
    case 'message':
      return push('message', { type: 'message', seq: output.seq, version: output.version, message: output.message });
    case 'tombstone':
      return push('tombstone', { type: 'tombstone', seq: output.seq, reason: output.reason });
    case 'gap':
      return push('gap', { type: 'gap', expected: output.expected, actual: output.actual });
    case 'deleted':
      return push('tombstone', { type: 'tombstone', conversation: true, last_seq: output.lastSeq });
    case 'run_event':
      return push('run_event', { type: 'run_event', run_id: output.runId, ...output.event });
    case 'run_status':
      return push('run_status', runStatusJson(output));
  }
}

/** An inbox delta: the changed entries of the inbox, the shape of `GET /v1/participants/{id}/inbox` entries. */
export function inboxDeltaFrame(topic: string, joinRef: string | null, conversations: InboxEntry[]): PhoenixFrame {
  return { joinRef, ref: null, topic, event: 'inbox_delta', payload: { conversations } };
}
