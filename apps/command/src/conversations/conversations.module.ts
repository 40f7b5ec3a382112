import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { EventLogModule } from '../event-log/event-log.module';
import { HeadIndexModule } from '../head-index/head-index.module';
import { ListingModule } from '../listing/listing.module';
import { TenantLimitsModule } from '../tenant-limits/tenant-limits.module';
import { ConversationsController } from './conversations.controller';
import { ConversationHeaderService } from './conversation-header.service';
import { ConversationParticipantsService } from './conversation-participants.service';
import { ConversationsService } from './conversations.service';

@Module({
  imports: [HeadIndexModule, EventLogModule, TenantLimitsModule, AgentsModule, ListingModule],
  controllers: [ConversationsController],
  providers: [ConversationsService, ConversationParticipantsService, ConversationHeaderService],
  exports: [ConversationsService, ConversationHeaderService],
})
export class ConversationsModule {}
