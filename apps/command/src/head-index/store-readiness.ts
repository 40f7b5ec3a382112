import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ReadinessService } from '@threadline/observability';
import { HeadIndexService } from './head-index.service';

/** Readiness of Redis, and a start-up check that Redis will not evict the index. */
@Injectable()
export class StoreReadiness implements OnApplicationBootstrap {
  private readonly logger = new Logger(StoreReadiness.name);

  constructor(
    private readonly index: HeadIndexService,
    readiness: ReadinessService,
  ) {
    readiness.register('redis', async () => ({ ok: await this.index.ping() }));
  }

  async onApplicationBootstrap(): Promise<void> {
    const policy = await this.index.maxMemoryPolicy().catch(() => null);
    if (policy !== null && policy !== 'noeviction') {
      this.logger.warn(
        `Redis maxmemory-policy is ${policy}: evicted keys are rebuilt from Postgres, but set noeviction so they never are`,
      );
    }
  }
}
