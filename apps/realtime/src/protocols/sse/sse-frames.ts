import type { InboxEntry } from '@threadline/persistence';
import { StreamOutput } from '../../stream/stream-entry';
import { FRAME_TYPES, outputText } from '../plain-ws/plain-ws-frames';

/**
 * One SSE event. Messages and tombstones carry `id: <seq>`, so a reconnecting
 * EventSource sends the right Last-Event-ID. A gap carries no id: the client's
 * last id stays below the gap, and a reconnect asks for the missing seqs again.
 */
export function sseEvent(output: StreamOutput): string {
  const id = output.kind === 'message' || output.kind === 'tombstone' ? `id: ${output.seq}\n` : '';
  return `${id}event: ${FRAME_TYPES[output.kind]}\ndata: ${outputText(output)}\n\n`;
}

/** Sent before the stream ends because its credential expired; reconnect with a fresh one (and Last-Event-ID). */
export const TOKEN_EXPIRED_EVENT = `event: token_expired\ndata: ${JSON.stringify({ type: 'token_expired' })}\n\n`;

/** An inbox delta (`GET /v1/participants/{id}/inbox/events`): no id, a reconnect re-reads the inbox over REST. */
export function inboxDeltaEvent(conversations: InboxEntry[]): string {
  return `event: inbox_delta\ndata: ${JSON.stringify({ type: 'inbox_delta', conversations })}\n\n`;
}
