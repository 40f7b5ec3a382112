import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { MessagesModule } from '../messages/messages.module';
import { AgentDeliveriesController, DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { DeliveryRepliesService } from './delivery-replies.service';

/** The delivery log (read, redeliver; agents:manage) and agents' replies to deliveries (deliveries:reply). */
@Module({
  imports: [AgentsModule, MessagesModule],
  controllers: [AgentDeliveriesController, DeliveriesController],
  providers: [DeliveriesService, DeliveryRepliesService],
})
export class DeliveriesModule {}
