import { Module } from '@nestjs/common';
import { EventPublisher } from './event-publisher.service';
import { KafkaReadiness } from './kafka-readiness.service';

@Module({
  providers: [EventPublisher, KafkaReadiness],
  exports: [EventPublisher],
})
export class EventLogModule {}
