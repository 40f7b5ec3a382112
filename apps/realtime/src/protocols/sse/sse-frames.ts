import type { InboxEntry } from '@threadline/persistence';
import { SubscriberOutput } from '../../stream/run-output';
import { FRAME_TYPES, outputText } from '../plain-ws/plain-ws-frames';

/** One SSE event, with the id SseResumePosition gave it (none for a gap or the conversation's end). */
export function sseEvent(output: SubscriberOutput, id: string | null): string {
  return `${id === null ? '' : `id: ${id}\n`}event: ${FRAME_TYPES[output.kind]}\ndata: ${outputText(output)}\n\n`;
}

/** Sent before the stream ends because its credential expired; reconnect with a fresh one (and Last-Event-ID). */
export const TOKEN_EXPIRED_EVENT = `event: token_expired\ndata: ${JSON.stringify({ type: 'token_expired' })}\n\n`;

/** An inbox delta (`GET /v1/participants/{id}/inbox/events`): no id, a reconnect re-reads the inbox over REST. */
export function inboxDeltaEvent(conversations: InboxEntry[]): string {
  return `event: inbox_delta\ndata: ${JSON.stringify({ type: 'inbox_delta', conversations })}\n\n`;
}
