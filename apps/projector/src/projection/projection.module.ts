import { Module } from '@nestjs/common';
import { QuarantineLedger } from '../quarantine/quarantine-ledger';
import { ChunkProjector } from './chunk-projector';
import { ProjectionLag } from './projection-lag';
import { ProjectionWriter } from './projection-writer';
import { ProjectionConsumer } from './projection.consumer';
import { ProjectorMetrics } from './projector-metrics';
import { StoredOffsets } from './stored-offsets';

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
