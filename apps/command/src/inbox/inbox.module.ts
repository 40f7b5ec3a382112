import { Module } from '@nestjs/common';
import { InboxReader } from '@threadline/persistence';
import { HeadIndexModule } from '../head-index/head-index.module';
import { InboxController } from './inbox.controller';
import { InboxService } from './inbox.service';

/** Read cursors (`PUT /v1/conversations/{id}/read`) and inboxes (`GET /v1/participants/{id}/inbox`). */
@Module({
  imports: [HeadIndexModule],
  controllers: [InboxController],
  providers: [InboxService, InboxReader],
})
export class InboxModule {}
