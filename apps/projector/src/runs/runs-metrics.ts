import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '@threadline/observability';

/** The runs projection's Prometheus metrics. */
@Injectable()
export class RunsMetrics {
  readonly events: Counter;
  readonly skipped: Counter<'why'>;
  readonly poison: Counter;
  readonly eventsDeleted: Counter;

  constructor(metrics: MetricsService) {
    this.events = metrics.counter(
      'threadline_projector_run_events_total',
      'Run events projected into run_events (each run_seq once)',
    );
    this.skipped = metrics.counter(
      'threadline_projector_run_records_skipped_total',
      'Runs topic records planRunRecord skipped, by why: duplicate, unknown_run, finished, gap (a gap is a violation)',
      ['why'],
    );
    this.poison = metrics.counter(
      'threadline_projector_run_poison_records_total',
      'Runs topic records that did not decode: quarantined with their raw bytes, never applied',
    );
    this.eventsDeleted = metrics.counter(
      'threadline_projector_run_events_deleted_total',
      'Run events deleted by retention (runs finished more than RUN_EVENTS_RETENTION_MS ago)',
    );
  }
}
