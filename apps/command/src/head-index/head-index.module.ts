import { Module } from '@nestjs/common';
import { EventLogModule } from '../event-log/event-log.module';
import { ConversationDirectory } from './conversation-directory.service';
import { HeadIndexService } from './head-index.service';
import { HoleReaper } from './hole-reaper.service';
import { HoleSettler } from './hole-settler.service';
import { IndexRebuildService } from './index-rebuild.service';
import { ProjectionLookupService } from './projection-lookup.service';
import { redisClientProvider } from './redis-client.provider';
import { StoreReadiness } from './store-readiness.service';

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
  exports: [HeadIndexService, ProjectionLookupService, ConversationDirectory],
})
export class HeadIndexModule {}
