import { z } from 'zod';
import { TENANT_ID_PATTERN } from '@threadline/contracts';

/** What one tenant may do, shared by every command instance (docs/security.md, "Limits"). */
export interface TenantLimits {
  /** Appends per second; a bucket holds one second's worth, so a burst of this many passes at once. */
  appendsPerSecond: number;
  /** Request bytes of appends per second, bucketed the same way. */
  appendBytesPerSecond: number;
  /** Live conversations. */
  conversations: number;
}

const positive = z.number().int().min(1);

/** `LIMIT_TENANT_OVERRIDES`: `{"<tenant>": {"appends_per_s"?, "append_bytes_per_s"?, "conversations"?}}`. */
export const tenantOverridesSchema = z.record(
  z.string().regex(TENANT_ID_PATTERN, 'keys must be tenant ids'),
  z
    .object({
      appends_per_s: positive.optional(),
      append_bytes_per_s: positive.optional(),
      conversations: positive.optional(),
    })
    .strict(),
);

export type TenantOverrides = z.output<typeof tenantOverridesSchema>;

/** The limits of each tenant: the defaults, with a tenant's overrides on top. */
export class TenantLimitTable {
  constructor(
    private readonly defaults: TenantLimits,
    private readonly overrides: TenantOverrides,
  ) {}

  for(tenantId: string): TenantLimits {
    const override = this.overrides[tenantId];
    if (!override) {
      return this.defaults;
    }
    return {
      appendsPerSecond: override.appends_per_s ?? this.defaults.appendsPerSecond,
      appendBytesPerSecond: override.append_bytes_per_s ?? this.defaults.appendBytesPerSecond,
      conversations: override.conversations ?? this.defaults.conversations,
    };
  }

  /** Every limit in effect (the defaults and each override), for start-up checks. */
  all(): TenantLimits[] {
    return [this.defaults, ...Object.keys(this.overrides).map((tenant) => this.for(tenant))];
  }
}
