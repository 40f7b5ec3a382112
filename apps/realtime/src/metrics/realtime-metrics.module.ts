import { Module } from '@nestjs/common';
import { RealtimeMetrics } from './realtime-metrics';

/** The service's Prometheus metrics, one instance for every feature module that counts something. */
@Module({
  providers: [RealtimeMetrics],
  exports: [RealtimeMetrics],
})
export class RealtimeMetricsModule {}
