import { Module } from '@nestjs/common';
import { LiveModule } from '../live/live.module';
import { RealtimeMetricsModule } from '../metrics/realtime-metrics.module';
import { RunsHub } from './runs-hub';
import { RunsLiveConsumer } from './runs-live.consumer';

/** Kafka's runs topic → RunsHub: each run's events and end, for the streams of its conversation. */
@Module({
  imports: [LiveModule, RealtimeMetricsModule],
  providers: [RunsHub, RunsLiveConsumer],
  exports: [RunsHub],
})
export class RunsLiveModule {}
