import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '@threadline/observability';

/** The projector's Prometheus metrics. */
@Injectable()
export class ProjectorMetrics {
  readonly events: Counter<'type'>;
  readonly replayed: Counter;
  readonly poison: Counter;
  readonly fenced: Counter;
  readonly transactionSeconds: Histogram;
  readonly lag: Gauge<'partition'>;
  readonly stalledPartitions: Gauge;

  constructor(metrics: MetricsService) {
    this.events = metrics.counter(
      'threadline_projector_events_total',
      'Events projected into Postgres, by type (duplicates that lost to an earlier event for their seq included)',
      ['type'],
    );
    this.replayed = metrics.counter(
      'threadline_projector_replayed_events_total',
      'Events received again below the stored offset (after a crash or a rebalance) and skipped',
    );
    this.poison = metrics.counter(
      'threadline_projector_poison_records_total',
      'Records the projection could not apply (undecodable, or refused by Postgres as data): quarantined, never retried',
    );
    this.fenced = metrics.counter(
      'threadline_projector_fenced_events_total',
      "Events ignored by the fence rule: decided in an index epoch below their partition's index fence (docs/events.md rule 6)",
    );
    this.transactionSeconds = metrics.histogram(
      'threadline_projector_batch_seconds',
      'Duration of one projection transaction (a chunk of at most PROJECTOR_MAX_BATCH events)',
    );
    this.lag = metrics.gauge(
      'threadline_projector_lag_events',
      'Events the projection is behind the topic end, per partition',
      ['partition'],
    );
    this.stalledPartitions = metrics.gauge(
      'threadline_projector_stalled_partitions',
      'Partitions with lag whose stored offset has not moved for PROJECTOR_STALL_AFTER_MS',
    );
  }
}
