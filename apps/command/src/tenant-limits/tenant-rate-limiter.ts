import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import type { AppendCharge } from '../head-index/head-index.service';
import { TenantLimitTable } from './tenant-limits';

/**
 * Per-tenant append rate and bandwidth, as token buckets in Redis shared by every command
 * instance. The head index's append script takes the charge (TAKE_APPEND_TOKENS_FUNCTION)
 * in the same step as the append's decision; this says what to charge and words the refusal.
 */
@Injectable()
export class TenantRateLimiter {
  private readonly prefix: string;
  private readonly limits: TenantLimitTable;

  constructor(@Inject(COMMAND_CONFIG) config: Pick<CommandConfig, 'redis' | 'tenantLimits'>) {
    this.prefix = config.redis.keyPrefix;
    this.limits = config.tenantLimits;
  }

  /** One append of `bytes` (the request's size) against the tenant's buckets. */
  chargeFor(tenantId: string, bytes: number): AppendCharge {
    const limits = this.limits.for(tenantId);
    return {
      keys: [`${this.prefix}:t:${tenantId}:appends`, `${this.prefix}:t:${tenantId}:append-bytes`],
      args: [String(limits.appendsPerSecond), String(limits.appendBytesPerSecond), String(bytes)],
    };
  }

  /** 429 `rate_limited` with Retry-After, for a charge of the tenant's the buckets refused for `waitMs`. */
  refusal(tenantId: string, waitMs: number): ApiError {
    const limits = this.limits.for(tenantId);
    return new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limited',
      `Tenant ${tenantId} is over its append limit (${limits.appendsPerSecond} appends/s, ${limits.appendBytesPerSecond} bytes/s)`,
      { retry_after_ms: waitMs },
      { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
    );
  }
}
