import { z } from 'zod';
import { messageBodySchema } from '@threadline/contracts';

/** The most messages one reply may hold: what the command's replies route takes at once. */
export const MAX_REPLY_MESSAGES = 20;

/** The messages a webhook may answer with, appended as the agent: the append body schema (docs/agents.md). */
export const webhookReplySchema = z.object({
  messages: z.array(messageBodySchema).max(MAX_REPLY_MESSAGES, `at most ${MAX_REPLY_MESSAGES} messages`),
});

export type ReplyMessage = z.infer<typeof webhookReplySchema>['messages'][number];

/** What an answered (or unanswered) attempt means for the delivery. */
export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'reply'; messages: ReplyMessage[] }
  | { kind: 'retry'; error: string; retryAfterMs: number | null }
  | { kind: 'failed'; error: string };

export interface WebhookAnswer {
  status: number;
  body: string;
  retryAfterMs: number | null;
}

const RETRIED_STATUSES = new Set([408, 429]);

/**
 * Classifies an answer: 2xx with messages → reply; empty 2xx, 202 or a JSON
 * object without `messages` → succeeded; a 2xx body that is not a valid reply →
 * failed (a receiver bug: retrying sends the same); 408, 429, 5xx → retry;
 * any other status → failed at once.
 */
export function classifyAnswer(answer: WebhookAnswer): AttemptOutcome {
  const { status } = answer;
  if (status >= 200 && status < 300) {
    return classifySuccess(status, answer.body);
  }
  if (RETRIED_STATUSES.has(status) || status >= 500) {
    return { kind: 'retry', error: `HTTP ${status}`, retryAfterMs: answer.retryAfterMs };
  }
  return { kind: 'failed', error: `HTTP ${status}: not retried` };
}

function classifySuccess(status: number, body: string): AttemptOutcome {
  if (status === 202 || body.trim() === '') {
    return { kind: 'succeeded' };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'failed', error: 'malformed reply: the body is not JSON' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { kind: 'failed', error: 'malformed reply: expected a JSON object' };
  }
  if (!('messages' in json)) {
    return { kind: 'succeeded' };
  }
  const reply = webhookReplySchema.safeParse(json);
  if (!reply.success) {
    const issue = reply.error.issues[0];
    return { kind: 'failed', error: `malformed reply: ${issue.path.join('.')}: ${issue.message}` };
  }
  return reply.data.messages.length === 0 ? { kind: 'succeeded' } : { kind: 'reply', messages: reply.data.messages };
}

const EXCERPT_BYTES = 512;

/**
 * The first 512 bytes of a response body, as the attempt log keeps it: cut before
 * a character the limit would split (a split one would decode as U+FFFD, 3 bytes, past the limit).
 */
export function responseExcerpt(body: string): string {
  const bytes = Buffer.from(body, 'utf8');
  let end = Math.min(bytes.length, EXCERPT_BYTES);
  // UTF-8 continuation bytes are 10xxxxxx: back up to the first byte of the character the cut would split.
  while (end > 0 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) {
    end -= 1;
  }
  return bytes.subarray(0, end).toString('utf8');
}
