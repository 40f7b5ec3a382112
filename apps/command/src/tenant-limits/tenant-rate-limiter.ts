import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { RedisClientType } from 'redis';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { REDIS_CLIENT } from '../head-index/redis-client.provider';
import { LuaScript } from '../head-index/lua-script';
import { TenantLimitTable } from './tenant-limits';
import { TAKE_APPEND_TOKENS } from './token-bucket.script';

const takeAppendTokens = new LuaScript(TAKE_APPEND_TOKENS);

/** Per-tenant append rate and bandwidth, as token buckets in Redis shared by every command instance. */
@Injectable()
export class TenantRateLimiter {
  private readonly prefix: string;
  private readonly limits: TenantLimitTable;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClientType,
    @Inject(COMMAND_CONFIG) config: Pick<CommandConfig, 'redis' | 'tenantLimits'>,
  ) {
    this.prefix = config.redis.keyPrefix;
    this.limits = config.tenantLimits;
  }

  /** Takes one append of `bytes` from the tenant's buckets, or throws 429 `rate_limited` with Retry-After. */
  async takeAppend(tenantId: string, bytes: number): Promise<void> {
    const limits = this.limits.for(tenantId);
    const waitMs = await takeAppendTokens.run<number>(
      this.redis,
      [`${this.prefix}:t:${tenantId}:appends`, `${this.prefix}:t:${tenantId}:append-bytes`],
      [String(limits.appendsPerSecond), String(limits.appendBytesPerSecond), String(bytes)],
    );
    if (waitMs > 0) {
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'rate_limited',
        `Tenant ${tenantId} is over its append limit (${limits.appendsPerSecond} appends/s, ${limits.appendBytesPerSecond} bytes/s)`,
        { retry_after_ms: waitMs },
        { 'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))) },
      );
    }
  }
}
