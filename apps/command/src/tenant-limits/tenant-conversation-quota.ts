import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';

/** How long a refused create tells the client to wait: the count only falls when conversations are deleted. */
const RETRY_AFTER_S = 60;

/**
 * A tenant's live (not deleted) conversations, counted in the projection when a
 * new one is about to be created. Creates in flight, not yet projected, are not
 * counted, so concurrent creates can pass the limit by as many as run at once.
 */
@Injectable()
export class TenantConversationQuota {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(COMMAND_CONFIG) private readonly config: Pick<CommandConfig, 'tenantLimits'>,
  ) {}

  /** Throws 429 `rate_limited` when the tenant already has its most conversations. */
  async checkRoomFor(tenantId: string): Promise<void> {
    const limit = this.config.tenantLimits.for(tenantId).conversations;
    const [row] = await this.dataSource.query<Array<{ live: string }>>(
      'SELECT count(*) AS live FROM conversations WHERE tenant_id = $1 AND NOT tombstoned',
      [tenantId],
    );
    if (Number(row.live) >= limit) {
      throw new ApiError(
        HttpStatus.TOO_MANY_REQUESTS,
        'rate_limited',
        `Tenant ${tenantId} has ${limit} conversations, its limit; delete one first`,
        {},
        { 'Retry-After': String(RETRY_AFTER_S) },
      );
    }
  }
}
