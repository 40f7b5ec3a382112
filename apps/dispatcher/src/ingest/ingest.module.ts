import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { MetricsModule } from '../metrics/metrics.module';
import { IngestOffsets } from './ingest-offsets';
import { IngestWriter } from './ingest-writer';
import { IngestConsumer } from './ingest.consumer';

/** Conversation topic → dispatch participants and deliveries in Postgres, exactly once in effect. */
@Module({
  imports: [MetricsModule, DeliveryModule],
  providers: [IngestOffsets, IngestWriter, IngestConsumer],
})
export class IngestModule {}
