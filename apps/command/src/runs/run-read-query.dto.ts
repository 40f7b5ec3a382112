import { z } from 'zod';
import { RUN_STATUSES } from '@threadline/contracts';
import { runViewSchema } from '@threadline/persistence';
import { eventAnswerSchema } from './run-event-view';

/** GET /v1/runs/{run_id}/events: at most this many events a page, and this many when `limit` is not given. */
export const RUN_EVENTS_MAX_LIMIT = 1000;
export const RUN_EVENTS_DEFAULT_LIMIT = 100;
/** GET /v1/conversations/{id}/runs: likewise, runs a page. */
export const RUNS_MAX_LIMIT = 100;
export const RUNS_DEFAULT_LIMIT = 50;

const intParam = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .refine((s) => s === undefined || /^\d{1,16}$/.test(s), { message: `${name} must be a non-negative integer` })
    .transform((s) => (s === undefined ? fallback : Number.parseInt(s, 10)))
    .pipe(z.number().int().min(min, `${name} must be >= ${min}`).max(max, `${name} must be <= ${max}`));

export const runEventsQuerySchema = z.object({
  after: intParam('after', 0, Number.MAX_SAFE_INTEGER, 0),
  limit: intParam('limit', 1, RUN_EVENTS_MAX_LIMIT, RUN_EVENTS_DEFAULT_LIMIT),
});
export type RunEventsQuery = z.output<typeof runEventsQuerySchema>;

/** Where the next page of a conversation's runs starts: after this run (keyset: created_at, run_id). */
export interface RunsCursor {
  createdAt: string;
  runId: string;
}

/** An opaque cursor: base64url of `<created_at ISO>|<run_id>`; clients only echo it. */
export function encodeRunsCursor(cursor: RunsCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.runId}`).toString('base64url');
}

const cursorSchema = z.string().transform((value, context): RunsCursor => {
  const [createdAt, runId, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const valid =
    rest.length === 0 &&
    runId !== undefined &&
    z.iso.datetime().safeParse(createdAt).success &&
    encodeRunsCursor({ createdAt, runId }) === value;
  if (!valid) {
    context.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
    return z.NEVER;
  }
  return { createdAt, runId };
});

export const conversationRunsQuerySchema = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  limit: intParam('limit', 1, RUNS_MAX_LIMIT, RUNS_DEFAULT_LIMIT),
  cursor: cursorSchema.optional(),
});
export type ConversationRunsQuery = z.output<typeof conversationRunsQuerySchema>;

export const runEventPageSchema = z.object({
  events: z.array(eventAnswerSchema).describe('the run events with run_seq in (after, after + limit], in order'),
  next_after: z
    .number()
    .int()
    .nullable()
    .describe('the `after` of the next page; null once the run is finished and this page reached its last event'),
});
export type RunEventPage = z.infer<typeof runEventPageSchema>;

export const runPageSchema = z.object({
  runs: z.array(runViewSchema).describe('oldest first'),
  next_cursor: z.string().nullable().describe('the cursor of the next page; null on the last'),
});
export type RunPage = z.infer<typeof runPageSchema>;
