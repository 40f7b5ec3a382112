import { z } from 'zod';
import { PARTICIPANT_ID_PATTERN } from '@threadline/contracts';
import type { AgentEntity } from '@threadline/persistence';

/** The limits of an agent's registration (docs/api.md, "Agents"). */
export const AGENT_LIMITS = {
  nameChars: 200,
  urlChars: 2048,
  headers: 20,
  headerValueChars: 1024,
  timeoutMs: { min: 100, max: 30_000, default: 10_000 },
  maxAttempts: { min: 1, max: 20, default: 8 },
  historyTail: { min: 1, max: 100, default: 20 },
  debounceMs: { min: 0, max: 10_000, default: 0 },
  pageSize: { max: 100, default: 50 },
} as const;

/** Headers the dispatcher sets itself on every webhook request; an agent may not override them. */
export const RESERVED_HEADERS = [
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'host',
] as const;

/** An RFC 7230 token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, space and tab: nothing that could end the header line. */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

export const agentIdSchema = z
  .string()
  .regex(PARTICIPANT_ID_PATTERN, 'id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}');

const webhookUrlSchema = z
  .string()
  .max(AGENT_LIMITS.urlChars, `at most ${AGENT_LIMITS.urlChars} characters`)
  .refine((s) => URL.canParse(s) && ['http:', 'https:'].includes(new URL(s).protocol), {
    message: 'expected an http:// or https:// URL',
  });

const headersSchema = z
  .record(
    z
      .string()
      .regex(HEADER_NAME, 'header names are RFC 7230 tokens')
      .refine((name) => !(RESERVED_HEADERS as readonly string[]).includes(name.toLowerCase()), {
        message: `the dispatcher sets ${RESERVED_HEADERS.join(', ')} itself`,
      }),
    z
      .string()
      .max(AGENT_LIMITS.headerValueChars, `at most ${AGENT_LIMITS.headerValueChars} characters`)
      .regex(HEADER_VALUE, 'header values are printable ASCII'),
  )
  .refine((headers) => Object.keys(headers).length <= AGENT_LIMITS.headers, {
    message: `at most ${AGENT_LIMITS.headers} headers`,
  })
  .refine((headers) => new Set(Object.keys(headers).map((n) => n.toLowerCase())).size === Object.keys(headers).length, {
    message: 'header names must be unique, case-insensitively',
  });

const { historyTail } = AGENT_LIMITS;
const historySchema = z
  .strictObject({
    mode: z.enum(['none', 'tail', 'entire']),
    limit: z.number().int().min(historyTail.min).max(historyTail.max).optional(),
  })
  .refine((h) => h.limit === undefined || h.mode === 'tail', {
    message: 'limit applies to mode "tail" only',
    path: ['limit'],
  });

const intIn = (range: { min: number; max: number }) => z.number().int().min(range.min).max(range.max);

/** Every field but id, none required: PATCH takes any of them. */
const agentFields = {
  name: z.string().min(1).max(AGENT_LIMITS.nameChars, `at most ${AGENT_LIMITS.nameChars} characters`).nullable(),
  webhook_url: webhookUrlSchema,
  headers: headersSchema,
  timeout_ms: intIn(AGENT_LIMITS.timeoutMs),
  max_attempts: intIn(AGENT_LIMITS.maxAttempts),
  history: historySchema,
  debounce_ms: intIn(AGENT_LIMITS.debounceMs),
  status: z.enum(['enabled', 'disabled']),
};

export const createAgentSchema = z.strictObject({
  id: agentIdSchema,
  name: agentFields.name.optional(),
  webhook_url: agentFields.webhook_url,
  headers: agentFields.headers.default({}),
  timeout_ms: agentFields.timeout_ms.default(AGENT_LIMITS.timeoutMs.default),
  max_attempts: agentFields.max_attempts.default(AGENT_LIMITS.maxAttempts.default),
  history: agentFields.history.default({ mode: 'none' }),
  debounce_ms: agentFields.debounce_ms.default(AGENT_LIMITS.debounceMs.default),
  status: agentFields.status.default('enabled'),
});

export type CreateAgentDto = z.output<typeof createAgentSchema>;

export const updateAgentSchema = z.strictObject({
  name: agentFields.name.optional(),
  webhook_url: agentFields.webhook_url.optional(),
  headers: agentFields.headers.optional(),
  timeout_ms: agentFields.timeout_ms.optional(),
  max_attempts: agentFields.max_attempts.optional(),
  history: agentFields.history.optional(),
  debounce_ms: agentFields.debounce_ms.optional(),
  status: agentFields.status.optional(),
});

export type UpdateAgentDto = z.output<typeof updateAgentSchema>;

export const listAgentsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(AGENT_LIMITS.pageSize.max).default(AGENT_LIMITS.pageSize.default),
  cursor: agentIdSchema.optional(),
});

export type ListAgentsQuery = z.output<typeof listAgentsQuerySchema>;

/** An agent as every route but create and rotate shows it: never a signing secret. */
export const agentViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  webhook_url: z.string(),
  headers: z.record(z.string(), z.string()),
  timeout_ms: z.number().int(),
  max_attempts: z.number().int(),
  history: z.object({ mode: z.enum(['none', 'tail', 'entire']), limit: z.number().int().optional() }),
  debounce_ms: z.number().int(),
  status: z.enum(['enabled', 'disabled']),
  previous_secret_expires_at: z.iso.datetime({ offset: true }).nullable(),
  created_at: z.iso.datetime({ offset: true }),
  updated_at: z.iso.datetime({ offset: true }),
});

export type AgentView = z.infer<typeof agentViewSchema>;

/** The answer to create and rotate-secret: the only times the signing secret is shown. */
export const agentWithSecretViewSchema = agentViewSchema.extend({
  signing_secret: z.string().describe('whsec_...: shown once, store it now'),
});

export type AgentWithSecretView = z.infer<typeof agentWithSecretViewSchema>;

export const agentListSchema = z.object({
  agents: z.array(agentViewSchema),
  next_cursor: z.string().nullable().describe('the cursor of the next page; null on the last'),
});

export type AgentList = z.infer<typeof agentListSchema>;

/** The tail limit an agent gets when it asks for mode "tail" without one. */
export function historyLimitOf(history: CreateAgentDto['history']): number | null {
  return history.mode === 'tail' ? (history.limit ?? historyTail.default) : null;
}

export function toAgentView(row: AgentEntity): AgentView {
  return {
    id: row.id,
    name: row.name,
    webhook_url: row.webhookUrl,
    headers: row.headers,
    timeout_ms: row.timeoutMs,
    max_attempts: row.maxAttempts,
    history:
      row.historyMode === 'tail' && row.historyLimit !== null
        ? { mode: row.historyMode, limit: row.historyLimit }
        : { mode: row.historyMode },
    debounce_ms: row.debounceMs,
    status: row.status,
    previous_secret_expires_at: row.previousSecretExpiresAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
