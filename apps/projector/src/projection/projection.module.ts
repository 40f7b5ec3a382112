import { Module } from '@nestjs/common';
import { QuarantineLedger } from '../quarantine/quarantine-ledger.service';
import { ChunkProjector } from './chunk-projector.service';
import { ProjectionLag } from './projection-lag.service';
import { ProjectionWriter } from './projection-writer.service';
import { ProjectionConsumer } from './projection.consumer';
import { ProjectorMetrics } from './projector-metrics.service';
import { StoredOffsets } from './stored-offsets.service';

/** Kafka → Postgres: the conversation topic materialized into conversations, messages and consumer_offsets. */
@Module({
  providers: [
    ProjectorMetrics,
    StoredOffsets,
    ProjectionWriter,
    ChunkProjector,
    ProjectionLag,
    ProjectionConsumer,
    QuarantineLedger,
  ],
})
export class ProjectionModule {}
