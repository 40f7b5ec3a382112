import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { OBJECT_STORE, ObjectStore } from '@threadline/persistence';
import { ArchiverMetrics } from '../archive/archiver-metrics';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';
import { RETENTION_BATCH, trimArchivedMessages } from './retention-statements';

export interface RetentionRun {
  deleted: number;
  skipped?: 'store_unreachable';
}

/**
 * Trims the hot tail in Postgres every ARCHIVE_RETENTION_INTERVAL_MS: deletes
 * message rows only for seqs the archive index proves archived
 * (`seq <= conversations.archived_seq`), never above the contiguous watermark
 * (`conversations.contiguous_seq`) and never the newest
 * ARCHIVE_RETAIN_MESSAGES of a conversation. If the object store does not answer
 * it deletes nothing: rows are only given up while their archived copy is reachable.
 */
@Injectable()
export class RetentionService extends PeriodicJob {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly metrics: ArchiverMetrics,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {
    super();
  }

  protected schedule(): PeriodicJobSchedule {
    return {
      name: 'retention run',
      intervalMs: this.config.retention.intervalMs,
      off: this.config.retention.enabled ? undefined : 'retention is off (ARCHIVE_RETENTION_ENABLED=false)',
    };
  }

  async runOnce(): Promise<RetentionRun> {
    try {
      await this.store.ping();
    } catch (error) {
      this.metrics.retentionSkipped.inc({ reason: 'store_unreachable' });
      this.logger.warn(`retention skipped, archive store unreachable: ${(error as Error).message}`);
      return { deleted: 0, skipped: 'store_unreachable' };
    }
    let deleted = 0;
    const trim = trimArchivedMessages(this.config.retention.retainMessages, this.config.kafka.topic);
    for (;;) {
      const [, count] = await this.dataSource.query<[unknown, number]>(trim.sql, trim.params);
      deleted += count;
      if (count < RETENTION_BATCH) {
        break;
      }
    }
    if (deleted > 0) {
      this.metrics.retentionDeleted.inc(deleted);
      this.logger.log(`retention deleted ${deleted} archived message rows`);
    }
    return { deleted };
  }
}
