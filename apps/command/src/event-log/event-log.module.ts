import { Module } from '@nestjs/common';
import { EventPublisher } from './event-publisher.service';
import { IndexFenceWriter } from './index-fence-writer.service';
import { KafkaReadiness } from './kafka-readiness.service';

@Module({
  providers: [EventPublisher, IndexFenceWriter, KafkaReadiness],
  exports: [EventPublisher, IndexFenceWriter],
})
export class EventLogModule {}
