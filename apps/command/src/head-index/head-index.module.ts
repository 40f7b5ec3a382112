import { Module } from '@nestjs/common';
import { EventLogModule } from '../event-log/event-log.module';
import { ConversationDirectory } from './conversation-directory';
import { HeadIndexService } from './head-index.service';
import { HoleReaper } from './hole-reaper';
import { HoleSettler } from './hole-settler';
import { IndexRebuildService } from './index-rebuild.service';
import { ProjectionLookupService } from './projection-lookup.service';
import { REDIS_CLIENT, redisClientProvider } from './redis-client.provider';
import { StoreReadiness } from './store-readiness';

@Module({
  imports: [EventLogModule],
  providers: [
    redisClientProvider,
    HeadIndexService,
    ProjectionLookupService,
    ConversationDirectory,
    IndexRebuildService,
    HoleReaper,
    HoleSettler,
    StoreReadiness,
  ],
  exports: [HeadIndexService, ProjectionLookupService, ConversationDirectory, REDIS_CLIENT],
})
export class HeadIndexModule {}
