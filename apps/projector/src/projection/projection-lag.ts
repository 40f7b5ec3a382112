import { Inject, Injectable } from '@nestjs/common';
import { PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { Kafka, StallWatch, TopicOffsetsReader } from '@threadline/kafka';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { ProjectorMetrics } from './projector-metrics';
import { StoredOffsets } from './stored-offsets';

const REFRESH_INTERVAL_MS = 5000;

/**
 * Lag per partition = topic end − stored next offset. Updated after every
 * transaction for the partition it wrote, and refreshed for all partitions every
 * few seconds, so a stalled or unassigned partition shows its lag too (offsets in
 * Postgres are shared by every instance of the group).
 *
 * A partition with lag whose stored offset has not moved for
 * PROJECTOR_STALL_AFTER_MS is stalled (StallWatch): readiness names it.
 */
@Injectable()
export class ProjectionLag extends PeriodicJob {
  private readonly lagByPartition = new Map<number, number>();
  private readonly stalls: StallWatch;
  private readonly offsets: TopicOffsetsReader;

  constructor(
    kafka: Kafka,
    private readonly storedOffsets: StoredOffsets,
    private readonly metrics: ProjectorMetrics,
    @Inject(PROJECTOR_CONFIG) config: ProjectorConfig,
  ) {
    super();
    this.stalls = new StallWatch(config.projection.stallAfterMs);
    this.offsets = new TopicOffsetsReader(kafka, config.kafka.topic);
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'lag refresh', intervalMs: REFRESH_INTERVAL_MS, unref: true };
  }

  override async onApplicationShutdown(): Promise<void> {
    await super.onApplicationShutdown();
    await this.offsets.close();
  }

  observe(partition: number, highWatermark: number, nextOffset: number): void {
    this.set(partition, highWatermark, nextOffset);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.lagByPartition].sort(([a], [b]) => a - b));
  }

  /** Partitions with lag and no progress for the stall time, with how long they have been stuck (ms). */
  stalled(): Record<string, number> {
    return this.stalls.stalled(Date.now());
  }

  private set(partition: number, highWatermark: number, nextOffset: number): void {
    const lag = Math.max(0, highWatermark - nextOffset);
    this.lagByPartition.set(partition, lag);
    this.stalls.observe(partition, nextOffset, lag, Date.now());
    this.metrics.lag.set({ partition: String(partition) }, lag);
  }

  protected async runOnce(): Promise<void> {
    try {
      const ends = await this.offsets.read();
      const stored = await this.storedOffsets.all();
      for (const { partition, high, low } of ends) {
        this.set(partition, Number(high), stored.get(partition) ?? Number(low));
      }
      this.metrics.stalledPartitions.set(Object.keys(this.stalled()).length);
    } catch (error) {
      this.logger.debug(`lag not refreshed: ${(error as Error).message}`);
    }
  }
}
