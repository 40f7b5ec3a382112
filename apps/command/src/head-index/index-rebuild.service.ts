import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MetricsService, ReadinessService } from '@threadline/observability';
import { HeadIndexService } from './head-index.service';
import { IndexFenceWriter } from '../event-log/index-fence-writer';
import { ProjectionLookupService } from './projection-lookup.service';

/**
 * Rebuilds trust in the head index after Redis lost it (flush, restart without
 * persistence, failover to an empty replica) — detected by the missing epoch key.
 * One instance at a time (a Redis lock) starts a new index epoch:
 *
 * 1. waits until the projector has consumed every partition up to its end offset,
 *    so the projection holds every fence written so far;
 * 2. takes the next epoch (the highest fence the projector passed, plus one) and,
 *    if it still holds the lock while the index is untrusted, writes the epoch's
 *    fence to every partition: from there on every consumer ignores events of an
 *    older epoch, so no produce attempt against the lost index can land later;
 * 3. waits until the projector has consumed everything before the fences: the
 *    projection is now final for the old epochs;
 * 4. trusts the index at the new epoch, if it still holds the lock.
 *
 * No timing bound is involved. A rebuilder paused anywhere can only write a fence
 * of an epoch no newer than any epoch trusted after its lock check, which fences
 * nothing that epoch decides (docs/consistency.md). Until step 4, appends answer
 * 503 and reads are served from the projection. After it, a conversation missing
 * from the index is loaded from Postgres (conversation-directory.ts).
 */
@Injectable()
export class IndexRebuildService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IndexRebuildService.name);
  private running: Promise<void> | null = null;
  private stopped = false;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly rebuilds;
  private readonly rebuildSeconds;

  constructor(
    private readonly index: HeadIndexService,
    private readonly projection: ProjectionLookupService,
    private readonly fences: IndexFenceWriter,
    readiness: ReadinessService,
    metrics: MetricsService,
  ) {
    this.rebuilds = metrics.counter('threadline_command_index_rebuilds_total', 'Head index rebuilds completed');
    this.rebuildSeconds = metrics.histogram(
      'threadline_command_index_rebuild_seconds',
      'Time from taking the rebuild lock to trusting the new index epoch',
      [],
      [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    );
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
    this.watchdog = setInterval(() => void this.distrustStaleEpoch(), STALE_EPOCH_CHECK_MS);
  }

  /** Resolves when the rebuild running here, if any, has ended. */
  async settled(): Promise<void> {
    await this.running;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.watchdog) {
      clearInterval(this.watchdog);
    }
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
    const lockTtl = 10_000;
    while (!this.stopped) {
      if (await this.index.isTrusted().catch(() => false)) {
        return;
      }
      const owner = randomUUID();
      if (await this.index.tryLockRebuild(owner, lockTtl).catch(() => false)) {
        const keepAlive = setInterval(() => void this.index.extendRebuildLock(owner, lockTtl).catch(() => false), 3000);
        try {
          await this.rebuild(owner);
        } finally {
          clearInterval(keepAlive);
          await this.index.unlockRebuild(owner).catch(() => undefined);
        }
      } else {
        await sleep(200);
      }
    }
  }

  private async rebuild(owner: string): Promise<void> {
    const started = performance.now();
    this.logger.warn('head index not trusted: starting a new index epoch');
    const ends = await this.fences.endOffsets();
    await this.projectorReaches(ends, 'the end of the topic');
    const epoch = (await this.projection.highestIndexFence()) + 1;
    if (this.stopped || !(await this.index.trustIfOwner(owner, null))) {
      return;
    }
    const fenceOffsets = await this.fences.write(epoch, [...ends.keys()]);
    await this.projectorReaches(fenceOffsets, `the fences of epoch ${epoch}`);
    if (this.stopped || !(await this.index.trustIfOwner(owner, epoch))) {
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    this.rebuilds.inc();
    this.rebuildSeconds.observe(seconds);
    this.logger.warn(`head index trusted again at epoch ${epoch} after ${seconds.toFixed(2)} s`);
  }

  /** Waits until the projector's stored next offset reaches `targets` in every partition where it is above 0. */
  private async projectorReaches(targets: Map<number, number>, what: string): Promise<void> {
    for (let polls = 0; !this.stopped; polls += 1) {
      const projected = await this.projection.projectorOffsets();
      const behind = [...targets].filter(([p, target]) => target > 0 && (projected.get(p) ?? 0) < target);
      if (behind.length === 0) {
        return;
      }
      if (polls % 50 === 0) {
        this.logger.log(`waiting for the projector to reach ${what} in ${behind.length} partitions`);
      }
      await sleep(100);
    }
  }

  /**
   * An index restored from an old snapshot (a lagging replica, an old RDB) carries
   * an epoch below a fence already written: every append it decides would be
   * ignored. Such an index is distrusted at once, which starts a rebuild.
   */
  async distrustStaleEpoch(): Promise<void> {
    try {
      const epoch = await this.index.trustedEpoch();
      if (epoch === null) {
        return;
      }
      const fence = await this.projection.highestIndexFence();
      if (epoch < fence) {
        this.logger.error(`head index epoch ${epoch} is below the fence ${fence} already written: rebuilding`);
        await this.index.distrust(epoch);
        this.start();
      }
    } catch (error) {
      this.logger.warn(`epoch check failed: ${(error as Error).message}`);
    }
  }
}

const STALE_EPOCH_CHECK_MS = 5000;
