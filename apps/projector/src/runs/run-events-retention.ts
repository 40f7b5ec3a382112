import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import {
  deleteExpiredRunEvents,
  RUN_EVENTS_RETENTION_BATCH,
  RunEventsDeletedRow,
} from './run-events-retention-statements';
import { RunsMetrics } from './runs-metrics';

export interface RunEventsRetentionRun {
  runs: number;
  events: number;
}

/**
 * Every RUN_EVENTS_RETENTION_INTERVAL_MS, deletes the events of runs that
 * finished more than RUN_EVENTS_RETENTION_MS ago, a bounded batch of runs per
 * statement until none is due, and sets their runs.events_deleted_at. The run
 * rows stay; a streaming run's events are never deleted.
 */
@Injectable()
export class RunEventsRetention extends PeriodicJob {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: RunsMetrics,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {
    super();
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'run events retention', intervalMs: this.config.runEventsRetention.intervalMs };
  }

  async runOnce(): Promise<RunEventsRetentionRun> {
    const statement = deleteExpiredRunEvents(this.config.runEventsRetention.retentionMs);
    const total = { runs: 0, events: 0 };
    for (;;) {
      const [row] = await this.dataSource.query<RunEventsDeletedRow[]>(statement.sql, statement.params);
      total.runs += row.runs;
      total.events += row.events;
      if (row.runs < RUN_EVENTS_RETENTION_BATCH) {
        break;
      }
    }
    if (total.runs > 0) {
      this.metrics.eventsDeleted.inc(total.events);
      this.logger.log(`deleted ${total.events} events of ${total.runs} finished runs`);
    }
    return total;
  }
}
