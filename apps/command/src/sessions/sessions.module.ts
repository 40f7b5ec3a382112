import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { HeadIndexModule } from '../head-index/head-index.module';
import { ListingModule } from '../listing/listing.module';
import { MessagesModule } from '../messages/messages.module';
import { ReadsModule } from '../reads/reads.module';
import { TenantLimitsModule } from '../tenant-limits/tenant-limits.module';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [ConversationsModule, MessagesModule, ReadsModule, HeadIndexModule, ListingModule, TenantLimitsModule],
  controllers: [SessionsController],
  providers: [SessionsService],
})
export class SessionsModule {}
