import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '@threadline/observability';

/** The archiver's Prometheus metrics. */
@Injectable()
export class ArchiverMetrics {
  readonly events: Counter;
  readonly uncompressedBytes: Counter;
  readonly storedBytes: Counter;
  readonly segments: Counter;
  readonly staleSegments: Counter;
  readonly poison: Counter;
  readonly fenced: Counter;
  readonly flushSeconds: Histogram;
  readonly lag: Gauge<'partition'>;
  readonly retentionDeleted: Counter;
  readonly retentionSkipped: Counter<'reason'>;
  readonly orphansDeleted: Counter<'kind'>;
  readonly orphanSweepFailures: Counter;

  constructor(metrics: MetricsService) {
    this.events = metrics.counter('threadline_archiver_events_total', 'Events written to archive segments');
    this.uncompressedBytes = metrics.counter(
      'threadline_archiver_uncompressed_bytes_total',
      'NDJSON bytes archived, before compression',
    );
    this.storedBytes = metrics.counter('threadline_archiver_stored_bytes_total', 'Compressed segment bytes stored');
    this.segments = metrics.counter('threadline_archiver_segments_total', 'Segments written and indexed');
    this.staleSegments = metrics.counter(
      'threadline_archiver_stale_segments_total',
      'Segments dropped because the stored offset had already moved past them (rebalance or replay)',
    );
    this.poison = metrics.counter(
      'threadline_archiver_poison_records_total',
      'Records that do not decode (the poison rule): archived as their stand-in tombstone, or left out when they name no seq',
    );
    this.fenced = metrics.counter(
      'threadline_archiver_fenced_events_total',
      "Events left out of archived segments by the fence rule: decided in an index epoch below their partition's index fence (docs/events.md rule 6)",
    );
    this.flushSeconds = metrics.histogram(
      'threadline_archiver_flush_seconds',
      'Duration of one segment flush: compress, put, index transaction',
    );
    this.lag = metrics.gauge(
      'threadline_archiver_lag_events',
      'Events the archive is behind the topic end, per partition',
      ['partition'],
    );
    this.retentionDeleted = metrics.counter(
      'threadline_archiver_retention_deleted_rows_total',
      'Archived message rows deleted from Postgres by retention',
    );
    this.retentionSkipped = metrics.counter(
      'threadline_archiver_retention_skipped_total',
      'Retention runs that deleted nothing on purpose, by reason',
      ['reason'],
    );
    this.orphansDeleted = metrics.counter(
      'threadline_archiver_orphans_deleted_total',
      'Store objects deleted by the orphan sweep: kind unindexed (a segment no index row names) or partial (a temporary file)',
      ['kind'],
    );
    this.orphanSweepFailures = metrics.counter(
      'threadline_archiver_orphan_sweep_failures_total',
      'Orphan sweeps that stopped on an error (store or Postgres unreachable); the next one starts over',
    );
  }
}
