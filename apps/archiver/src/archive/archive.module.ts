import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module';
import { ArchiveConsumer } from './archive.consumer';
import { ArchivedOffsets } from './archived-offsets.service';
import { ArchivedSeqCatchUp } from './archived-seq-catch-up.service';
import { ArchiverMetrics } from './archiver-metrics.service';
import { SegmentWriter } from './segment-writer.service';

/** Kafka → immutable segments in the object store, indexed in Postgres. */
@Module({
  imports: [StorageModule],
  providers: [ArchiverMetrics, ArchivedOffsets, SegmentWriter, ArchiveConsumer, ArchivedSeqCatchUp],
  exports: [ArchiverMetrics],
})
export class ArchiveModule {}
