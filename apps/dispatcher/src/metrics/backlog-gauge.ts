import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { DispatcherMetrics } from './dispatcher-metrics';

interface BacklogSqlRow {
  agent: string;
  backlog: string;
  oldest_seconds: number;
}

/** Every 5 s: each agent's unfinished deliveries and the age of the oldest (shared by all instances). */
@Injectable()
export class BacklogGauge extends PeriodicJob {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: DispatcherMetrics,
  ) {
    super();
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'measuring the backlog', intervalMs: 5000, failureLevel: 'debug' };
  }

  protected async runOnce(): Promise<void> {
    const rows = await this.dataSource.query<BacklogSqlRow[]>(
      `SELECT tenant_id || '/' || agent_id AS agent, count(*) AS backlog,
              extract(epoch FROM now() - min(created_at))::float8 AS oldest_seconds
       FROM deliveries WHERE status IN ('pending', 'replying') GROUP BY tenant_id, agent_id`,
    );
    this.metrics.backlog.reset();
    this.metrics.oldestPendingSeconds.reset();
    for (const row of rows) {
      this.metrics.backlog.set({ agent: row.agent }, Number(row.backlog));
      this.metrics.oldestPendingSeconds.set({ agent: row.agent }, Math.max(row.oldest_seconds, 0));
    }
  }
}
