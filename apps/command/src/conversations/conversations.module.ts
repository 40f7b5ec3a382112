import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { EventLogModule } from '../event-log/event-log.module';
import { HeadIndexModule } from '../head-index/head-index.module';
import { TenantLimitsModule } from '../tenant-limits/tenant-limits.module';
import { ConversationsController } from './conversations.controller';
import { ConversationParticipantsService } from './conversation-participants.service';
import { ConversationsService } from './conversations.service';

@Module({
  imports: [HeadIndexModule, EventLogModule, TenantLimitsModule, AgentsModule],
  controllers: [ConversationsController],
  providers: [ConversationsService, ConversationParticipantsService],
})
export class ConversationsModule {}
