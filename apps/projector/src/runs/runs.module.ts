import { Module } from '@nestjs/common';
import { RunEventsRetention } from './run-events-retention';
import { RunsChunkProjector } from './runs-chunk-projector';
import { RunsMetrics } from './runs-metrics';
import { RunsOffsets } from './runs-offsets';
import { RunsWriter } from './runs-writer';
import { RunsConsumer } from './runs.consumer';

/** Kafka → Postgres: the runs topic materialized into runs and run_events, exactly once in effect; their retention. */
@Module({
  providers: [RunsMetrics, RunsOffsets, RunsWriter, RunsChunkProjector, RunsConsumer, RunEventsRetention],
})
export class RunsModule {}
