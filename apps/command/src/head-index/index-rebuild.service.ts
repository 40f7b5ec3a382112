import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { MetricsService, ReadinessService } from '@threadline/observability';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { HeadIndexService } from './head-index.service';
import { ProjectionLookupService } from './projection-lookup.service';

/**
 * Rebuilds trust in the head index after Redis lost it (flush, restart without
 * persistence, failover to an empty replica) — detected by the missing epoch key.
 *
 * One instance (a Redis lock) waits the hole grace period, so that every produce
 * attempt made against the old index has either landed or can no longer land,
 * then waits until the projector has consumed every partition up to its end
 * offset as of that moment, then sets a new epoch. Until then appends answer 503.
 * After it, a conversation missing from the index is loaded from Postgres, whose
 * last seq is then final (conversation-directory.service.ts).
 */
@Injectable()
export class IndexRebuildService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IndexRebuildService.name);
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly rebuilds;

  constructor(
    private readonly index: HeadIndexService,
    private readonly projection: ProjectionLookupService,
    private readonly kafka: Kafka,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    readiness: ReadinessService,
    metrics: MetricsService,
  ) {
    this.rebuilds = metrics.counter('threadline_command_index_rebuilds_total', 'Head index rebuilds completed');
    readiness.register('head_index', async () => {
      const trusted = await this.index.isTrusted();
      if (!trusted) {
        this.start();
      }
      return { ok: trusted, detail: trusted ? 'trusted' : 'rebuilding' };
    });
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  /** Starts a rebuild in the background unless one runs here already. */
  start(): void {
    if (this.running) {
      return;
    }
    this.running = this.run()
      .catch((error: Error) => this.logger.error(`index rebuild failed: ${error.message}`))
      .finally(() => {
        this.running = null;
      });
  }

  private async run(): Promise<void> {
    const owner = randomUUID();
    const lockTtl = 10_000;
    while (!this.stopped) {
      if (await this.index.isTrusted().catch(() => false)) {
        return;
      }
      if (await this.index.tryLockRebuild(owner, lockTtl).catch(() => false)) {
        const keepAlive = setInterval(() => void this.index.extendRebuildLock(owner, lockTtl).catch(() => false), 3000);
        try {
          await this.rebuild(owner);
          return;
        } finally {
          clearInterval(keepAlive);
          await this.index.unlockRebuild(owner).catch(() => undefined);
        }
      }
      await sleep(500);
    }
  }

  private async rebuild(epoch: string): Promise<void> {
    if ((await this.topicEnds()).size > 0) {
      this.logger.warn(
        `head index not trusted: rebuilding (waiting ${this.config.holes.graceMs} ms for in-flight appends)`,
      );
      await sleep(this.config.holes.graceMs);
    }
    const ends = await this.topicEnds();
    while (!this.stopped) {
      const projected = await this.projection.projectorOffsets();
      const behind = [...ends].filter(([p, end]) => (projected.get(p) ?? 0) < end);
      if (behind.length === 0) {
        break;
      }
      this.logger.log(`waiting for the projector to reach the end of ${behind.length} partitions`);
      await sleep(500);
    }
    if (this.stopped) {
      return;
    }
    await this.index.trust(epoch);
    this.rebuilds.inc();
    this.logger.warn(`head index trusted again (epoch ${epoch})`);
  }

  /**
   * End offsets of the partitions that hold any event. When none does, no append
   * was ever made durable, so there is nothing to wait for (a fresh system starts at once).
   */
  private async topicEnds(): Promise<Map<number, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.config.kafka.topic);
      return new Map(offsets.filter((o) => Number(o.high) > 0).map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
