import { Module } from '@nestjs/common';
import { BacklogGauge } from './backlog-gauge';
import { DispatcherMetrics } from './dispatcher-metrics';

/** The dispatcher's metrics, and the job that measures the backlog. */
@Module({ providers: [DispatcherMetrics, BacklogGauge], exports: [DispatcherMetrics] })
export class MetricsModule {}
