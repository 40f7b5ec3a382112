import { Module } from '@nestjs/common';
import { ConversationEventsController } from './conversation-events.controller';
import { MessageCounts } from './message-counts';

@Module({
  controllers: [ConversationEventsController],
  providers: [MessageCounts],
})
export class DownstreamModule {}
