import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { ProjectorMetrics } from './projector-metrics.service';
import { StoredOffsets } from './stored-offsets.service';

const REFRESH_INTERVAL_MS = 5000;

/**
 * Lag per partition = topic end − stored next offset. Updated after every
 * transaction for the partition it wrote, and refreshed for all partitions every
 * few seconds, so a stalled or unassigned partition shows its lag too (offsets in
 * Postgres are shared by every instance of the group).
 */
@Injectable()
export class ProjectionLag implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionLag.name);
  private readonly lagByPartition = new Map<number, number>();
  private admin: Admin | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshing = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly storedOffsets: StoredOffsets,
    private readonly metrics: ProjectorMetrics,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.refresh(), REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
    }
    await this.admin?.disconnect().catch(() => undefined);
  }

  observe(partition: number, highWatermark: number, nextOffset: number): void {
    this.set(partition, Math.max(0, highWatermark - nextOffset));
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.lagByPartition].sort(([a], [b]) => a - b));
  }

  private set(partition: number, lag: number): void {
    this.lagByPartition.set(partition, lag);
    this.metrics.lag.set({ partition: String(partition) }, lag);
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) {
      return;
    }
    this.refreshing = true;
    try {
      const admin = await this.connectedAdmin();
      const ends = await admin.fetchTopicOffsets(this.config.kafka.topic);
      const stored = await this.storedOffsets.all();
      for (const { partition, high, low } of ends) {
        this.set(partition, Math.max(0, Number(high) - (stored.get(partition) ?? Number(low))));
      }
    } catch (error) {
      this.logger.debug(`lag not refreshed: ${(error as Error).message}`);
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = null;
    } finally {
      this.refreshing = false;
    }
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
      } catch (error) {
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
      this.admin = admin;
    }
    return this.admin;
  }
}
