import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';

/** How long a refused create tells the client to wait: the count only falls when conversations are deleted. */
const RETRY_AFTER_S = 60;

/** How long a tenant's count from the projection is reused (plus this instance's creates since). */
const COUNT_REUSE_MS = 5000;

interface Counted {
  live: number;
  until: number;
}

/**
 * A tenant's live (not deleted) conversations, counted in the projection when a
 * new one is about to be created; the count is reused for 5 s, plus the creates
 * this instance let through since, so a tenant with many conversations does not
 * cost a count per create. Other instances' creates not yet counted, and creates
 * not yet projected, can pass the limit by as many as run at once.
 */
@Injectable()
export class TenantConversationQuota {
  private readonly counts = new Map<string, Counted>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(COMMAND_CONFIG) private readonly config: Pick<CommandConfig, 'tenantLimits'>,
  ) {}

  /** Throws 429 `rate_limited` when the tenant already has its most conversations; else counts one more. */
  async checkRoomFor(tenantId: string): Promise<void> {
    const limit = this.config.tenantLimits.for(tenantId).conversations;
    const counted = await this.count(tenantId);
    if (counted.live >= limit) {
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'rate_limited',
        `Tenant ${tenantId} has ${limit} conversations, its limit; delete one first`,
        {},
        { 'Retry-After': String(RETRY_AFTER_S) },
      );
    }
    counted.live += 1;
  }

  private async count(tenantId: string): Promise<Counted> {
    const cached = this.counts.get(tenantId);
    if (cached !== undefined && cached.until > Date.now()) {
      return cached;
    }
    const [row] = await this.dataSource.query<Array<{ live: string }>>(
      'SELECT count(*) AS live FROM conversations WHERE tenant_id = $1 AND NOT tombstoned',
      [tenantId],
    );
    const counted = { live: Number(row.live), until: Date.now() + COUNT_REUSE_MS };
    this.counts.set(tenantId, counted);
    return counted;
  }
}
