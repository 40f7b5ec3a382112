import { Inject, Injectable } from '@nestjs/common';
import { PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { OBJECT_STORE, ObjectStore } from '@threadline/persistence';
import { ArchiverMetrics } from '../archive/archiver-metrics';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';
import { OrphanIndex } from './orphan-index';
import { isTopicKey, parseSegmentKey, SegmentObject, segmentPrefix } from './segment-object';

export interface SweepRun {
  /** Segment objects no index row names (a crash between the put and the index transaction). */
  unindexed: number;
  /** Leftovers of puts that never completed (temporary files of the filesystem store). */
  partial: number;
}

/**
 * Deletes, every ARCHIVE_ORPHAN_SWEEP_INTERVAL_MS, what the archiver left in the
 * store under its topic's segment prefix that no reader will ever use:
 * - segment objects no index row names whose partition the archive has already
 *   moved past (see `unreferencedSegments`): written before a crash or as a stale
 *   segment, under a segment plan that changed since (e.g. ARCHIVE_SEGMENT_MAX_BYTES);
 * - partial leftovers of interrupted puts.
 * Only what is older than ARCHIVE_ORPHAN_GRACE_MS is touched, keys it does not
 * recognise never are, and an indexed object never is.
 */
@Injectable()
export class OrphanSweeper extends PeriodicJob {
  private stopped = false;

  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly index: OrphanIndex,
    private readonly metrics: ArchiverMetrics,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {
    super();
  }

  protected schedule(): PeriodicJobSchedule {
    return {
      name: 'orphan sweep',
      intervalMs: this.config.orphans.intervalMs,
      onFailure: () => this.metrics.orphanSweepFailures.inc(),
      off: this.config.orphans.enabled ? undefined : 'orphan sweep is off (ARCHIVE_ORPHAN_SWEEP_ENABLED=false)',
    };
  }

  /** A sweep in progress stops after its current page. */
  override async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await super.onApplicationShutdown();
  }

  async runOnce(now = Date.now()): Promise<SweepRun> {
    const topic = this.config.kafka.topic;
    const cutoff = now - this.config.orphans.graceMs;
    const run: SweepRun = { unindexed: 0, partial: 0 };
    for await (const page of this.store.list(segmentPrefix())) {
      if (this.stopped) {
        break;
      }
      const old = page.filter((object) => object.lastModified.getTime() <= cutoff);
      run.partial += await this.deleteAll(
        old.filter((object) => object.partial && isTopicKey(topic, object.key)),
        'partial',
      );
      const segments = old
        .filter((object) => !object.partial)
        .map((object) => parseSegmentKey(topic, object.key))
        .filter((object): object is SegmentObject => object !== null);
      const unreferenced = await this.index.unreferenced(segments);
      run.unindexed += await this.deleteAll(
        segments.filter((object) => unreferenced.has(object.key)),
        'unindexed',
      );
    }
    if (run.unindexed + run.partial > 0) {
      this.logger.log(`orphan sweep deleted ${run.unindexed} unindexed segment objects, ${run.partial} partial puts`);
    }
    return run;
  }

  private async deleteAll(objects: readonly { key: string }[], kind: keyof SweepRun): Promise<number> {
    for (const object of objects) {
      await this.store.delete(object.key);
      this.metrics.orphansDeleted.inc({ kind });
    }
    return objects.length;
  }
}
