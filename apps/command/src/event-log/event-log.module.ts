import { Module } from '@nestjs/common';
import { EventPublisher } from './event-publisher';
import { IndexFenceWriter } from './index-fence-writer';
import { KafkaReadiness } from './kafka-readiness';

@Module({
  providers: [EventPublisher, IndexFenceWriter, KafkaReadiness],
  exports: [EventPublisher, IndexFenceWriter],
})
export class EventLogModule {}
