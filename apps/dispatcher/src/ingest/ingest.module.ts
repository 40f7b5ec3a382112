import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { IngestOffsets } from './ingest-offsets';
import { IngestWriter } from './ingest-writer';
import { IngestConsumer } from './ingest.consumer';

/** Conversation topic → dispatch participants and deliveries in Postgres, exactly once in effect. */
@Module({
  imports: [MetricsModule],
  providers: [IngestOffsets, IngestWriter, IngestConsumer],
})
export class IngestModule {}
