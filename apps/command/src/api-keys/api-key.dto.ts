import { z } from 'zod';
import { isScope, SCOPES, SUBJECT_PATTERN, SUBJECT_RULE } from '@threadline/auth';
import { tenantIdSchema } from '@threadline/contracts';
import { ApiKeyEntity } from '@threadline/persistence';

export const createApiKeySchema = z.object({
  tenant_id: tenantIdSchema,
  subject: z.string().regex(SUBJECT_PATTERN, SUBJECT_RULE),
  scopes: z
    .array(z.string().refine(isScope, { message: `must be one of ${SCOPES.join(', ')}` }))
    .min(1, 'must name at least one scope'),
});

export type CreateApiKeyDto = z.infer<typeof createApiKeySchema>;

export const listApiKeysQuerySchema = z.object({ tenant_id: tenantIdSchema });

/** An API key as listed: never the key, never its hash. */
export const apiKeyViewSchema = z.object({
  id: z.uuid(),
  tenant_id: z.string(),
  subject: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  created_at: z.iso.datetime({ offset: true }),
  last_used_at: z.iso.datetime({ offset: true }).nullable(),
  revoked_at: z.iso.datetime({ offset: true }).nullable(),
});

export type ApiKeyView = z.infer<typeof apiKeyViewSchema>;

/** The answer to a create: the only time the key itself is shown. */
export const createdApiKeyViewSchema = z.object({
  id: z.uuid(),
  key: z.string().describe('tl_...: shown once, store it now'),
  tenant_id: z.string(),
  subject: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  created_at: z.iso.datetime({ offset: true }),
});

export type CreatedApiKeyView = z.infer<typeof createdApiKeyViewSchema>;

export const apiKeyListSchema = z.object({ api_keys: z.array(apiKeyViewSchema) });

export function toApiKeyView(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    tenant_id: row.tenantId,
    subject: row.subject,
    scopes: row.scopes.filter(isScope),
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}
