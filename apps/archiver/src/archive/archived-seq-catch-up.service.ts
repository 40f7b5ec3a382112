import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';
import { advanceArchivedSeq } from './segment-statements';

const CATCH_UP_INTERVAL_MS = 1000;

/**
 * A segment's transaction advances `archived_seq` only as far as the projector
 * had written `messages` by then. When the projector trails the archiver, the
 * last seqs of a quiet conversation would wait for its next segment forever; this
 * pass advances every conversation still below its `last_seq` once a second.
 */
@Injectable()
export class ArchivedSeqCatchUp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ArchivedSeqCatchUp.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.runOnce()
          .catch((error: Error) => this.logger.debug(`archived_seq catch-up failed: ${error.message}`))
          .finally(() => {
            this.running = null;
          });
      }
    }, CATCH_UP_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
    }
    await this.running;
  }

  async runOnce(): Promise<void> {
    const statement = advanceArchivedSeq(this.config.consumer.groupId, this.config.kafka.topic, null);
    await this.dataSource.query(statement.sql, statement.params);
  }
}
