import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module';
import { ArchiveConsumer } from './archive.consumer';
import { ArchivedOffsets } from './archived-offsets';
import { ArchivedSeqCatchUp } from './archived-seq-catch-up';
import { ArchiverMetrics } from './archiver-metrics';
import { SegmentWriter } from './segment-writer';

/** Kafka → immutable segments in the object store, indexed in Postgres. */
@Module({
  imports: [StorageModule],
  providers: [ArchiverMetrics, ArchivedOffsets, SegmentWriter, ArchiveConsumer, ArchivedSeqCatchUp],
  exports: [ArchiverMetrics],
})
export class ArchiveModule {}
