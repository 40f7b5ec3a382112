import { Module } from '@nestjs/common';
import { CircuitModule } from '../circuit/circuit.module';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { MetricsModule } from '../metrics/metrics.module';
import { WebhookModule } from '../webhook/webhook.module';
import { DeliveryAttempts } from './delivery-attempt';
import { DeliveryBodies } from './delivery-body';
import { DeliveryStore } from './delivery-store';
import { DeliveryWorker } from './delivery-worker';
import { ReplyPoster } from './reply-poster';

/** Due deliveries → signed webhook attempts, replies appended through the command. */
@Module({
  imports: [MetricsModule, CircuitModule, WebhookModule, DeadLettersModule],
  providers: [DeliveryStore, DeliveryBodies, ReplyPoster, DeliveryAttempts, DeliveryWorker],
  exports: [DeliveryWorker],
})
export class DeliveryModule {}
