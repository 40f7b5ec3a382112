import { z } from 'zod';
import { jsonObjectSchema } from '../message.schema';

/** A run id: `run_` and 1-124 characters of [A-Za-z0-9_-] (the command makes them; clients only echo them). */
export const RUN_ID_PATTERN = /^run_[A-Za-z0-9_-]{1,124}$/;

export const runIdSchema = z.string().regex(RUN_ID_PATTERN, 'run_id must match run_[A-Za-z0-9_-]{1,124}');

/** Where a run is in its life. Only `streaming` takes events; the other three are final. */
export const RUN_STATUSES = ['streaming', 'committed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type FinalRunStatus = Exclude<RunStatus, 'streaming'>;

/** Every kind a run event can have (docs/runs.md). Any other kind is refused, by name. */
export const RUN_EVENT_KINDS = [
  'text-delta',
  'reasoning-delta',
  'tool-input-delta',
  'tool-call',
  'tool-result',
  'file',
  'step-started',
  'step-finished',
  'error',
  'data',
] as const;
export type RunEventKind = (typeof RUN_EVENT_KINDS)[number];

const toolCallId = z.string().min(1, 'tool_call_id must be a non-empty string').max(256);
const toolName = z.string().min(1, 'tool_name must be a non-empty string').max(256);

/**
 * The body of each kind: exactly these fields (strict), so what a writer sends is
 * what every reader gets back. `input`, `output` and `value` are any JSON.
 */
const runEventBodySchemas = {
  'text-delta': z.strictObject({ kind: z.literal('text-delta'), delta: z.string() }),
  'reasoning-delta': z.strictObject({ kind: z.literal('reasoning-delta'), delta: z.string() }),
  'tool-input-delta': z.strictObject({
    kind: z.literal('tool-input-delta'),
    tool_call_id: toolCallId,
    delta: z.string(),
  }),
  'tool-call': z.strictObject({
    kind: z.literal('tool-call'),
    tool_call_id: toolCallId,
    tool_name: toolName,
    input: z.unknown(),
  }),
  'tool-result': z.strictObject({
    kind: z.literal('tool-result'),
    tool_call_id: toolCallId,
    tool_name: toolName.optional(),
    output: z.unknown(),
    is_error: z.boolean().optional(),
  }),
  file: z.strictObject({
    kind: z.literal('file'),
    media_type: z.string().min(1, 'media_type must be a non-empty string').max(256),
    url: z.string().min(1, 'url must be a non-empty string'),
    name: z.string().min(1).max(1024).optional(),
  }),
  'step-started': z.strictObject({ kind: z.literal('step-started') }),
  'step-finished': z.strictObject({ kind: z.literal('step-finished') }),
  error: z.strictObject({ kind: z.literal('error'), message: z.string() }),
  data: z.strictObject({ kind: z.literal('data'), name: z.string().min(1).max(256), value: z.unknown() }),
} as const;

/** One run event as a writer sends it (without its run_seq, which the command assigns). */
export const runEventBodySchema = z.discriminatedUnion('kind', [
  runEventBodySchemas['text-delta'],
  runEventBodySchemas['reasoning-delta'],
  runEventBodySchemas['tool-input-delta'],
  runEventBodySchemas['tool-call'],
  runEventBodySchemas['tool-result'],
  runEventBodySchemas.file,
  runEventBodySchemas['step-started'],
  runEventBodySchemas['step-finished'],
  runEventBodySchemas.error,
  runEventBodySchemas.data,
]);

export type RunEventBody = z.infer<typeof runEventBodySchema>;

/** A run event with its place in the run: run_seq counts from 1 with no gap. */
export type RunEvent = RunEventBody & { run_seq: number };

export function isRunEventKind(kind: unknown): kind is RunEventKind {
  return typeof kind === 'string' && (RUN_EVENT_KINDS as readonly string[]).includes(kind);
}

export type RunEventCheck = { ok: true; event: RunEventBody } | { ok: false; path: string; message: string };

/**
 * Checks one event a writer sent, naming the field that is wrong; an unknown kind
 * is named in the message (`unknown run event kind "x"`). `path` is relative to the event.
 */
export function checkRunEvent(value: unknown): RunEventCheck {
  const kind = value !== null && typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined;
  if (!isRunEventKind(kind)) {
    const named = typeof kind === 'string' ? `"${kind}"` : JSON.stringify(kind ?? null);
    return {
      ok: false,
      path: 'kind',
      message: `unknown run event kind ${named}; expected one of ${RUN_EVENT_KINDS.join(', ')}`,
    };
  }
  const parsed = runEventBodySchemas[kind].safeParse(value);
  if (parsed.success) {
    return { ok: true, event: parsed.data };
  }
  const issue = parsed.error.issues[0];
  return { ok: false, path: issue.path.map(String).join('.'), message: issue.message };
}

/** Run metadata is a JSON object, like a conversation's. */
export const runMetadataSchema = jsonObjectSchema;
