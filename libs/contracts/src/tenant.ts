import { z } from 'zod';

/** The tenant every conversation belonged to before tenants existed, and the only one when AUTH_MODE=none. */
export const DEFAULT_TENANT = 'default';

/** Tenant ids: 1-64 characters of [a-z0-9_-], starting with a letter or digit (never '/', the key separator). */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const tenantIdSchema = z.string().regex(TENANT_ID_PATTERN, 'tenant_id must match [a-z0-9][a-z0-9_-]{0,63}');
